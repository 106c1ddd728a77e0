using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Slides;

public class SyntheticSchemeTests
{
    [Fact]
    public void Slide_source_opens_a_manifest_synthetic_spec_as_the_same_slide()
    {
        // Manifests store synthetic slides as spec strings; SlideSource must open them without registration by the caller.
        var cohort = ManifestReader.Read(Path.Combine(VPTSurv.Tests.Synthetic.RepoPaths.DataManifests, "synthetic-cd4.csv"));
        var record = cohort.Slides.First();
        using var viaSource = SlideSource.Open(record.Source);
        using var direct = SyntheticSlide.FromSpec(record.Source);
        Assert.IsType<SyntheticSlide>(viaSource);
        Assert.Equal(direct.LevelDimensions, viaSource.LevelDimensions);
        var a = viaSource.ReadRegion(1000, 1000, 0, 64, 64);
        var b = direct.ReadRegion(1000, 1000, 0, 64, 64);
        Assert.Equal(b.Pixels, a.Pixels);
    }
}
