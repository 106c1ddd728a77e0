using TorchSharp;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// A fixed pool of RGB tiles held in memory (T·T·3 bytes each, HWC), drawn once from a <see cref="MaeTileSource"/>;
/// batches are drawn from it with random dihedral augmentation (flips and quarter turns, which leave stained tissue
/// plausible). Every draw is a function of (seed, step), so a resumed run sees exactly the batches of an unbroken one.
/// </summary>
public sealed class MaeTilePool
{
    private readonly byte[] _pixels;

    /// <summary>Wraps <paramref name="pixels"/> (count · T · T · 3 bytes, HWC per tile).</summary>
    public MaeTilePool(byte[] pixels, int tileSize)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        int per = tileSize * tileSize * 3;
        if (tileSize <= 0 || pixels.Length == 0 || pixels.Length % per != 0)
            throw new ArgumentException($"A tile pool of {tileSize}x{tileSize} RGB tiles needs a positive multiple of {per} bytes, got {pixels.Length}.");
        _pixels = pixels;
        TileSize = tileSize;
        Count = pixels.Length / per;
    }

    /// <summary>Tile side T.</summary>
    public int TileSize { get; }

    /// <summary>Number of tiles.</summary>
    public int Count { get; }

    /// <summary>Share of tiles classed as background when the pool was drawn.</summary>
    public double BackgroundShare { get; private init; }

    /// <summary>Tile <paramref name="index"/> as an image.</summary>
    public RgbImage Tile(int index)
    {
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"Tile {index} is outside the pool of {Count}.");
        int per = TileSize * TileSize * 3;
        return new RgbImage(TileSize, TileSize, _pixels.AsSpan(index * per, per).ToArray());
    }

    /// <summary>
    /// Draws the pool: <see cref="MaeTileSource.TilesPerSlide"/> random regions per slide (slides rendered in
    /// parallel; the result does not depend on the thread count), at most <see cref="MaeTileSource.MaxBackgroundShare"/>
    /// of them mostly background.
    /// </summary>
    public static MaeTilePool Draw(MaeTileSource source, ulong seed, CancellationToken cancel = default)
    {
        source.Validate();
        var slides = source.OpenSlides(seed);
        try
        {
            int t = source.TileSize, per = t * t * 3, k = source.TilesPerSlide;
            var pixels = new byte[checked(slides.Count * k * per)];
            var background = new int[slides.Count];
            Parallel.For(0, slides.Count, new ParallelOptions { CancellationToken = cancel }, s =>
            {
                var slide = slides[s];
                var rng = new SeededRandom(PointHash.Key(seed, 0x4D4145_0000UL + (ulong)s));
                double mpp = slide.MicronsPerPixel ?? throw new MissingMppException(slide.Id, slide.Source);
                double span = t * source.MicronsPerPixel / mpp; // level-0 pixels per tile side
                var (w, h) = slide.LevelDimensions[0];
                if (w < span || h < span)
                    throw new ArgumentException($"Slide '{slide.Id}' ({w}x{h} px) is smaller than one {t}-pixel tile at {source.MicronsPerPixel} µm/px.");
                int maxBackground = (int)Math.Floor(source.MaxBackgroundShare * k);
                int kept = 0, bg = 0, tries = 0;
                while (kept < k)
                {
                    if (++tries > 50 * k)
                        throw new InvalidOperationException(
                            $"Slide '{slide.Id}': found only {kept} of {k} tiles with at most {maxBackground} background tiles after {tries - 1} tries; is it mostly glass?");
                    long x = (long)(rng.NextDouble() * (w - span)), y = (long)(rng.NextDouble() * (h - span));
                    var tile = slide.ReadRegionAtMpp(x, y, t, source.MicronsPerPixel);
                    bool isBackground = BackgroundFraction(tile) > 0.5;
                    if (isBackground)
                    {
                        if (bg >= maxBackground) continue;
                        bg++;
                    }
                    tile.Pixels.CopyTo(pixels, (s * k + kept) * per);
                    kept++;
                }
                background[s] = bg;
            });
            return new MaeTilePool(pixels, t) { BackgroundShare = background.Sum() / (double)(slides.Count * k) };
        }
        finally
        {
            foreach (var s in slides) s.Dispose();
        }
    }

    /// <summary>
    /// Share of pixels that look like glass: every channel at least <see cref="TissueDetector.MinBackground"/> and
    /// nearly grey. A cheap per-tile test that needs no slide-level thumbnail.
    /// </summary>
    public static double BackgroundFraction(RgbImage tile)
    {
        var p = tile.Pixels;
        int n = tile.Width * tile.Height, glass = 0;
        for (int i = 0; i < n; i++)
        {
            byte r = p[3 * i], g = p[3 * i + 1], b = p[3 * i + 2];
            int min = Math.Min(r, Math.Min(g, b)), max = Math.Max(r, Math.Max(g, b));
            if (min >= TissueDetector.MinBackground && max - min <= 20) glass++;
        }
        return glass / (double)n;
    }

    /// <summary>
    /// The batch of step <paramref name="step"/>: <paramref name="size"/> tiles drawn with replacement, each flipped
    /// and turned at random; (B, 3, T, T) float32 on the 0..255 scale.
    /// </summary>
    public Tensor Batch(ulong seed, long step, int size, Device? device = null)
    {
        var rng = new SeededRandom(PointHash.Key(seed, 0x42415443_48000000UL ^ (ulong)step));
        int t = TileSize, per = t * t * 3;
        var batch = new float[checked(size * per)];
        for (int b = 0; b < size; b++)
        {
            int index = rng.NextInt(Count);
            int turn = rng.NextInt(4);
            bool flip = rng.NextInt(2) == 1;
            int src = index * per, dst = b * per;
            for (int y = 0; y < t; y++)
                for (int x = 0; x < t; x++)
                {
                    // Output pixel (x, y) reads the source pixel after the dihedral map (flip, then `turn` quarter turns).
                    int fx = flip ? t - 1 - x : x;
                    var (sx, sy) = turn switch
                    {
                        0 => (fx, y),
                        1 => (y, t - 1 - fx),
                        2 => (t - 1 - fx, t - 1 - y),
                        _ => (t - 1 - y, fx),
                    };
                    int s = src + (sy * t + sx) * 3;
                    for (int c = 0; c < 3; c++)
                        batch[dst + c * t * t + y * t + x] = _pixels[s + c]; // CHW
                }
        }
        return tensor(batch, [size, 3, t, t], dtype: ScalarType.Float32, device: device); // (B, 3, T, T)
    }
}
