using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Training;

/// <summary>Opens a cohort's slide: a synthetic spec renders in memory, anything else goes through <see cref="SlideSource"/>.</summary>
public static class SlideOpener
{
    /// <summary>Opens <paramref name="slide"/> of <paramref name="cohort"/> (relative paths against the manifest's folder).</summary>
    public static ISlide Open(Cohort cohort, SlideRecord slide)
    {
        var source = cohort.ResolveSource(slide);
        return SyntheticSlideSpec.IsSpec(source) ? SyntheticSlide.FromSpec(source, slide.SlideId) : SlideSource.Open(source);
    }

    /// <summary>What read the pixels, for cache keys: "synthetic-v1" or the reader's type name.</summary>
    public static string ReaderName(ISlide slide) =>
        slide is SyntheticSlide ? $"synthetic-{SyntheticSlideSpec.Version}" : slide.GetType().Name;
}
