namespace VPTSurv.Slides;

/// <summary>Reading at a physical resolution: level choice, resizing, MPP resolution and overrides.</summary>
public static class SlideRegions
{
    /// <summary>Fails unless <paramref name="level"/> is one of <paramref name="slide"/>'s levels; the message names the slide.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is negative or past the coarsest.</exception>
    public static void RequireLevel(this ISlide slide, int level)
    {
        int count = slide.LevelDimensions.Count;
        if ((uint)level >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(level), $"slide '{slide.Id}' has levels 0..{count - 1}, not {level}");
    }

    /// <summary>Relative slack when comparing resolutions, so 0.2500001 µm/px counts as 0.25.</summary>
    public const double MppTolerance = 1e-3;

    /// <summary>Whether a resolution read from a file is a real scan resolution: in (0.001, 100) µm/px. Larger values are
    /// writers' default values (libvips' default 1 px/mm = 1000 µm/px, 72 dpi = 353 µm/px), not microscopy.</summary>
    public static bool IsPlausibleMpp(double mpp) => double.IsFinite(mpp) && mpp is > 1e-3 and < 100;

    /// <summary>The level-0 MPP of <paramref name="slide"/>: <paramref name="overrideMpp"/> when given, else the file's;
    /// <see cref="MissingMppException"/> when neither exists.</summary>
    public static double ResolveMpp(this ISlide slide, double? overrideMpp = null)
    {
        if (overrideMpp is { } o)
        {
            if (!(o > 0 && double.IsFinite(o)))
                throw new ArgumentOutOfRangeException(nameof(overrideMpp), $"slide '{slide.Id}': MPP override must be positive and finite, got {o}");
            return o;
        }
        return slide.MicronsPerPixel ?? throw new MissingMppException(slide.Id, slide.Source);
    }

    /// <summary>A view of <paramref name="slide"/> whose MPP is <paramref name="micronsPerPixel"/> (for files that lack or
    /// misstate it). Disposing the view disposes the slide.</summary>
    public static ISlide WithMpp(this ISlide slide, double micronsPerPixel) => new MppOverrideSlide(slide, slide.ResolveMpp(micronsPerPixel));

    /// <summary>The coarsest level whose resolution is at least as fine as <paramref name="downsample"/> (so reading it
    /// only ever shrinks).</summary>
    public static int BestLevelForDownsample(this ISlide slide, double downsample)
    {
        int best = 0;
        for (int l = 0; l < slide.LevelDownsamples.Count; l++)
            if (slide.LevelDownsamples[l] <= downsample * (1 + MppTolerance))
                best = slide.LevelDownsamples[l] >= slide.LevelDownsamples[best] ? l : best;
        return best;
    }

    /// <summary>
    /// Reads a <paramref name="size"/> x <paramref name="size"/> region at <paramref name="mpp"/> µm/px whose top-left is
    /// (<paramref name="x0"/>, <paramref name="y0"/>) in level-0 pixels: it covers size*mpp/slideMpp level-0 pixels. Reads
    /// the coarsest level that is at least as fine, then resizes with libvips (no resize when the level matches).
    /// </summary>
    /// <param name="slide">The slide.</param>
    /// <param name="x0">Level-0 x of the top-left corner.</param>
    /// <param name="y0">Level-0 y of the top-left corner.</param>
    /// <param name="size">Output side in pixels.</param>
    /// <param name="mpp">Target microns per pixel.</param>
    /// <param name="slideMpp">Level-0 MPP override for this slide; else the file's.</param>
    public static RgbImage ReadRegionAtMpp(this ISlide slide, long x0, long y0, int size, double mpp, double? slideMpp = null)
    {
        if (!(mpp > 0 && double.IsFinite(mpp)))
            throw new ArgumentOutOfRangeException(nameof(mpp), $"target MPP must be positive and finite, got {mpp}");
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        double factor = mpp / slide.ResolveMpp(slideMpp); // level-0 pixels per output pixel
        int level = slide.BestLevelForDownsample(factor);
        double ds = slide.LevelDownsamples[level];
        double scale = factor / ds; // level pixels per output pixel, >= 1 up to tolerance
        if (Math.Abs(scale - 1) <= MppTolerance)
            return slide.ReadRegion(x0, y0, level, size, size);
        int span = (int)Math.Round(size * scale);
        var region = slide.ReadRegion(x0, y0, level, span, span);
        return region.Resize(size, size);
    }

    /// <summary>The side of a tile of <paramref name="size"/> pixels at <paramref name="mpp"/>, in level-0 pixels.</summary>
    public static double Level0Span(this ISlide slide, int size, double mpp, double? slideMpp = null) =>
        size * mpp / slide.ResolveMpp(slideMpp);
}

/// <summary>A slide whose MPP is overridden; everything else is delegated.</summary>
internal sealed class MppOverrideSlide(ISlide inner, double mpp) : ISlide
{
    public string Id => inner.Id;
    public string Source => inner.Source;
    public string ReaderName => inner.ReaderName;
    public IReadOnlyList<(long Width, long Height)> LevelDimensions => inner.LevelDimensions;
    public IReadOnlyList<double> LevelDownsamples => inner.LevelDownsamples;
    public double? MicronsPerPixel => mpp;
    public RgbImage ReadRegion(long x, long y, int level, int width, int height) => inner.ReadRegion(x, y, level, width, height);
    public void Dispose() => inner.Dispose();
}
