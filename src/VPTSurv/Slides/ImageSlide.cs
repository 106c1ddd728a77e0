namespace VPTSurv.Slides;

/// <summary>
/// A slide over an in-memory <see cref="RgbImage"/> with a given MPP (tests, small images, rendered fields). Extra levels
/// are made by halving with libvips' resize, as a scanner's pyramid would be.
/// </summary>
public sealed class ImageSlide : ISlide
{
    private readonly RgbImage[] _levels;

    /// <summary>Wraps <paramref name="image"/> as level 0.</summary>
    /// <param name="image">Level-0 pixels.</param>
    /// <param name="micronsPerPixel">Level-0 MPP, or null when unknown.</param>
    /// <param name="id">Identifier.</param>
    /// <param name="levels">Number of levels (each half the previous), at least 1.</param>
    /// <param name="source">Description of where the pixels came from.</param>
    public ImageSlide(RgbImage image, double? micronsPerPixel, string id = "image", int levels = 1, string? source = null)
    {
        VipsImaging.ValidateShape(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        if (micronsPerPixel is { } m && !(m > 0 && double.IsFinite(m)))
            throw new ArgumentOutOfRangeException(nameof(micronsPerPixel), $"MPP must be positive and finite, got {m}");
        var list = new List<RgbImage> { image };
        while (list.Count < levels && list[^1].Width >= 2 && list[^1].Height >= 2)
        {
            var prev = list[^1];
            list.Add(prev.Resize(prev.Width / 2, prev.Height / 2));
        }
        _levels = list.ToArray();
        Id = id;
        Source = source ?? $"memory:{id}";
        MicronsPerPixel = micronsPerPixel;
        LevelDimensions = _levels.Select(l => ((long)l.Width, (long)l.Height)).ToArray();
        LevelDownsamples = _levels.Select(l => ((double)image.Width / l.Width + (double)image.Height / l.Height) / 2).ToArray();
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public IReadOnlyList<(long Width, long Height)> LevelDimensions { get; }

    /// <inheritdoc />
    public IReadOnlyList<double> LevelDownsamples { get; }

    /// <inheritdoc />
    public double? MicronsPerPixel { get; }

    /// <inheritdoc />
    public RgbImage ReadRegion(long x, long y, int level, int width, int height)
    {
        this.RequireLevel(level);
        double ds = LevelDownsamples[level];
        return _levels[level].Crop((long)Math.Floor(x / ds), (long)Math.Floor(y / ds), width, height);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
