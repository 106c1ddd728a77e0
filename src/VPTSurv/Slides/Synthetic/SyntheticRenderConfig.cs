namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// Fixed rendering settings of the synthetic slides (the same for every slide of a spec version: changing one changes
/// every cohort's pixels, so it needs a new <see cref="SyntheticSlideSpec.Version"/>).
/// </summary>
public sealed record SyntheticRenderConfig
{
    /// <summary>Microns per level-0 pixel (a 20x scan).</summary>
    public double MicronsPerPixel { get; init; } = 0.5;

    /// <summary>Smallest slide width in level-0 pixels; the width is drawn from the seed in steps of 256.</summary>
    public int MinWidth { get; init; } = 4096;

    /// <summary>Largest slide width in level-0 pixels.</summary>
    public int MaxWidth { get; init; } = 6144;

    /// <summary>Smallest slide height in level-0 pixels.</summary>
    public int MinHeight { get; init; } = 3072;

    /// <summary>Largest slide height in level-0 pixels.</summary>
    public int MaxHeight { get; init; } = 4608;

    /// <summary>The pyramid halves each level until its longer side is at most this.</summary>
    public int SmallestLevelSide { get; init; } = 400;

    /// <summary>Standard deviation of the camera noise, in 8-bit intensity units per channel.</summary>
    public double NoiseSigma { get; init; } = 2.0;

    /// <summary>The settings of spec version v1.</summary>
    public static SyntheticRenderConfig V1 { get; } = new();
}
