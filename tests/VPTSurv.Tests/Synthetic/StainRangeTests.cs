using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;
using Xunit.Abstractions;

namespace VPTSurv.Tests.Synthetic;

public class StainRangeTests(ITestOutputHelper output)
{
    private static IEnumerable<RgbImage> SyntheticTiles()
    {
        foreach (var spec in new[]
        {
            "synthetic:v1;seed=11;stain=CD8;immune=0.8;infiltration=0.3;grade=0.8;architecture=0.5",
            "synthetic:v1;seed=12;stain=CD4;immune=0.5;infiltration=0.7;grade=0.2;architecture=0.2",
        })
        {
            using var slide = SyntheticSlide.FromSpec(spec);
            var (w, h) = slide.LevelDimensions[0];
            // A 4 x 4 grid of 128-px tiles through the middle of the slide (tissue, stroma and nests alike).
            for (int j = 0; j < 4; j++)
                for (int i = 0; i < 4; i++)
                    yield return slide.ReadRegion(w / 4 + i * w / 8, h / 4 + j * h / 8, 0, 128, 128);
        }
    }

    [Fact]
    public void Rendered_hematoxylin_and_dab_densities_fall_in_the_range_of_the_real_ihc_image()
    {
        var real = StainStatistics.Collect([StainStatistics.ReadPng(TestSetup.Fixture("synthetic", "ihc.png"))]);
        var synth = StainStatistics.Collect(SyntheticTiles());
        double P(double[] a, double q) => StainStatistics.Percentile(a, q);
        output.WriteLine($"real  H p1/p50/p99 {P(real.Hema, 1):F3}/{P(real.Hema, 50):F3}/{P(real.Hema, 99):F3}  DAB+ p1/p50/p99 {P(real.DabPositive, 1):F3}/{P(real.DabPositive, 50):F3}/{P(real.DabPositive, 99):F3}  n={real.Hema.Length}/{real.DabPositive.Length}");
        output.WriteLine($"synth H p1/p50/p99 {P(synth.Hema, 1):F3}/{P(synth.Hema, 50):F3}/{P(synth.Hema, 99):F3}  DAB+ p1/p50/p99 {P(synth.DabPositive, 1):F3}/{P(synth.DabPositive, 50):F3}/{P(synth.DabPositive, 99):F3}  n={synth.Hema.Length}/{synth.DabPositive.Length}");
        Assert.True(synth.DabPositive.Length > 100, "the synthetic tiles must contain DAB-positive cells");
        // The bulk (5th..95th percentile) of each synthetic stain lies within the real image's 1st..99th percentiles.
        Assert.InRange(P(synth.Hema, 5), P(real.Hema, 1), P(real.Hema, 99));
        Assert.InRange(P(synth.Hema, 95), P(real.Hema, 1), P(real.Hema, 99));
        Assert.InRange(P(synth.DabPositive, 5), P(real.DabPositive, 1), P(real.DabPositive, 99));
        Assert.InRange(P(synth.DabPositive, 95), P(real.DabPositive, 1), P(real.DabPositive, 99));
    }
}
