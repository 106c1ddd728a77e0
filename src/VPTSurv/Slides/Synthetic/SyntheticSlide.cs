namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// A procedurally rendered IHC whole-slide image (hematoxylin counterstain, DAB-marked CD4 or CD8 lymphocytes), fully
/// determined by its <see cref="SyntheticSlideSpec"/>: any region at any level renders the same pixels whichever
/// region or tiling asks for it. Level 0 is 0.5 µm per pixel, 4096–6144 x 3072–4608 pixels, tissue about half of it;
/// the pyramid halves down to about 400 pixels. See docs/synthetic/README.md for what each latent factor looks like.
/// Reads are thread-safe: the slide holds only immutable state, each read renders into its own buffers.
/// </summary>
public sealed class SyntheticSlide : ISlide
{
    /// <summary>What a manifest's <c>source</c> starts with when it names a synthetic slide.</summary>
    public const string SpecPrefix = SyntheticSlideSpec.Prefix;

    private readonly SyntheticRenderer _renderer;
    private readonly long[] _downsamples;

    /// <summary>A synthetic slide of <paramref name="spec"/>; <paramref name="id"/> defaults to "synthetic-{seed}".</summary>
    public SyntheticSlide(SyntheticSlideSpec spec, string? id = null, SyntheticRenderConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Factors.Validate();
        Config = config ?? SyntheticRenderConfig.V1;
        SpecRecord = spec;
        Spec = spec.ToString();
        Id = id ?? $"synthetic-{spec.Seed}";

        var dims = PointHash.Of(PointHash.Key(spec.Seed, 98), 0, 0);
        long width = Config.MinWidth + 256L * (long)((Config.MaxWidth - Config.MinWidth) / 256 * PointHash.Unit(dims) + 0.5);
        long height = Config.MinHeight + 256L * (long)((Config.MaxHeight - Config.MinHeight) / 256 * PointHash.Unit2(dims) + 0.5);
        var levels = new List<(long, long)>();
        var downsamples = new List<long>();
        for (long ds = 1; ; ds *= 2)
        {
            long w = (width + ds - 1) / ds, h = (height + ds - 1) / ds;
            levels.Add((w, h));
            downsamples.Add(ds);
            if (Math.Max(w, h) <= Config.SmallestLevelSide) break;
        }
        LevelDimensions = levels;
        _downsamples = [.. downsamples];
        LevelDownsamples = [.. downsamples.Select(d => (double)d)];
        _renderer = new SyntheticRenderer(spec, width, height, Config);
    }

    /// <summary>Opens the slide a spec string describes (<see cref="SyntheticSlideSpec.Parse"/> explains the format).</summary>
    public static SyntheticSlide FromSpec(string spec, string? id = null) => new(SyntheticSlideSpec.Parse(spec), id);

    /// <inheritdoc/>
    public string ReaderName => $"synthetic-{SyntheticSlideSpec.Version}";

    /// <summary>The canonical spec string; <c>FromSpec(slide.Spec)</c> renders the same pixels.</summary>
    public string Spec { get; }

    /// <summary>The parsed spec.</summary>
    public SyntheticSlideSpec SpecRecord { get; }

    /// <summary>The rendering settings.</summary>
    public SyntheticRenderConfig Config { get; }

    /// <inheritdoc/>
    public string Id { get; }

    /// <inheritdoc/>
    public string Source => Spec;

    /// <inheritdoc/>
    public IReadOnlyList<(long Width, long Height)> LevelDimensions { get; }

    /// <inheritdoc/>
    public IReadOnlyList<double> LevelDownsamples { get; }

    /// <inheritdoc/>
    public double? MicronsPerPixel => Config.MicronsPerPixel;

    /// <inheritdoc/>
    public RgbImage ReadRegion(long x, long y, int level, int width, int height)
    {
        this.RequireLevel(level);
        if (width <= 0 || height <= 0 || (long)width * height > MaxRegionPixels)
            throw new ArgumentOutOfRangeException(nameof(width),
                $"Region of {width}x{height} pixels on slide '{Id}': both sides must be positive and the area at most {MaxRegionPixels} pixels.");
        return _renderer.Render(x, y, _downsamples[level], width, height);
    }

    /// <summary>
    /// The ground-truth tissue mask of a region (true where the pixel centre lies on stroma or epithelium; glass, tears
    /// and gland lumens are false), in the same geometry as <see cref="ReadRegion"/>: for testing tissue detection.
    /// </summary>
    public bool[] TrueTissueMask(long x, long y, int level, int width, int height)
    {
        this.RequireLevel(level);
        return _renderer.TissueMask(x, y, _downsamples[level], width, height);
    }


    /// <summary>Largest region one read may ask for (64 Mpx, 192 MB of RGB).</summary>
    public const long MaxRegionPixels = 1L << 26;

    /// <summary>Nothing to release: the slide holds no file or native resource.</summary>
    public void Dispose() { }
}
