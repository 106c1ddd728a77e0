using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Synthetic;

/// <summary>The library's tissue detector against the synthetic slides' ground-truth masks.</summary>
public class SyntheticTissueDetectionTests
{
    [Theory]
    [InlineData("synthetic:v1;seed=31;stain=CD8;immune=0.2;infiltration=0.5;grade=0.3;architecture=0.8")]
    [InlineData("synthetic:v1;seed=32;stain=CD4;immune=0.9;infiltration=0.1;grade=0.9;architecture=0.1")]
    public void Detected_tissue_overlaps_the_true_tissue(string spec)
    {
        using var slide = SyntheticSlide.FromSpec(spec);
        var detected = TissueDetector.Detect(slide);
        int l = slide.LevelDimensions.Count - 1;
        var (w, h) = slide.LevelDimensions[l];
        double ds = slide.LevelDownsamples[l];
        var truth = slide.TrueTissueMask(0, 0, l, (int)w, (int)h);
        int inter = 0, union = 0;
        for (int j = 0; j < detected.Height; j++)
            for (int i = 0; i < detected.Width; i++)
            {
                long tx = Math.Min(w - 1, (long)((i + 0.5) * detected.Downsample.X / ds));
                long ty = Math.Min(h - 1, (long)((j + 0.5) * detected.Downsample.Y / ds));
                bool t = truth[ty * w + tx], d = detected.Mask[j * detected.Width + i];
                inter += t && d ? 1 : 0;
                union += t || d ? 1 : 0;
            }
        double iou = inter / (double)union;
        Assert.True(iou > 0.85, $"IoU {iou:F3}");
    }
}
