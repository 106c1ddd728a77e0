using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class SlideRegionTests
{
    [Fact]
    public void Best_level_is_the_coarsest_at_least_as_fine_as_asked()
    {
        using var s = new ImageSlide(TestImages.Mirrored(512, 512), 0.25, levels: 4); // 0.25, 0.5, 1, 2 µm/px
        Assert.Equal(0, s.BestLevelForDownsample(1.0));
        Assert.Equal(0, s.BestLevelForDownsample(1.9));
        Assert.Equal(1, s.BestLevelForDownsample(2.0));
        Assert.Equal(1, s.BestLevelForDownsample(2.0 * (1 - 1e-4))); // within tolerance
        Assert.Equal(2, s.BestLevelForDownsample(7.9));
        Assert.Equal(3, s.BestLevelForDownsample(100));
    }

    [Fact]
    public void Region_at_an_existing_level_mpp_is_that_level_unresized()
    {
        using var s = new ImageSlide(TestImages.Mirrored(512, 512), 0.25, levels: 3);
        var atMpp = s.ReadRegionAtMpp(64, 32, 50, 0.5);
        Assert.Equal(0, TestImages.Diff(s.ReadRegion(64, 32, 1, 50, 50), atMpp).Max);
    }

    [Fact]
    public void Region_between_levels_covers_the_same_tissue_as_a_resized_level0_read()
    {
        // 0.75 µm/px on a 0.25 µm/px slide: 96 output pixels span 288 level-0 pixels. Read from level 1 (0.5) and shrunk
        // by 1.5, it must match level 0 shrunk by 3 up to resampling differences.
        using var s = new ImageSlide(TestImages.Mirrored(600, 600), 0.25, levels: 3);
        var got = s.ReadRegionAtMpp(100, 120, 96, 0.75);
        Assert.Equal((96, 96), (got.Width, got.Height));
        var reference = s.ReadRegion(100, 120, 0, 288, 288).Resize(96, 96);
        var d = TestImages.Diff(reference, got);
        Assert.True(d.Mean < 6, $"mean |diff| {d.Mean:F2}");
        // and not an offset or wrongly scaled region: a shifted read differs much more
        var shifted = s.ReadRegion(140, 120, 0, 288, 288).Resize(96, 96);
        Assert.True(TestImages.Diff(shifted, got).Mean > 2 * d.Mean);
    }

    [Fact]
    public void Missing_mpp_is_a_clear_error_and_an_override_fixes_it()
    {
        using var s = new ImageSlide(TestImages.Mirrored(128, 128), null, "nompp");
        var e = Assert.Throws<MissingMppException>(() => s.ReadRegionAtMpp(0, 0, 32, 0.5));
        Assert.Contains("nompp", e.Message);
        Assert.Contains("override", e.Message);
        var a = s.ReadRegionAtMpp(0, 0, 32, 0.5, slideMpp: 0.25);
        using var overridden = new ImageSlide(TestImages.Mirrored(128, 128), null, "nompp").WithMpp(0.25);
        Assert.Equal(0.25, overridden.MicronsPerPixel);
        Assert.Equal(0, TestImages.Diff(a, overridden.ReadRegionAtMpp(0, 0, 32, 0.5)).Max);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.WithMpp(-1));
    }

    [Fact]
    public void Mpp_override_wins_over_the_file()
    {
        using var s = new ImageSlide(TestImages.Mirrored(256, 256), 0.25).WithMpp(0.5);
        Assert.Equal(0.5, s.ResolveMpp());
        Assert.Equal(8.0, s.Level0Span(4, 1.0), 9); // 4 px at 1 µm/px = 4 µm = 8 px at 0.5 µm/px
    }
}
