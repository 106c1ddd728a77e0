using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Synthetic;

public class SyntheticSlideSpecTests
{
    private const string Canonical = "synthetic:v1;seed=123;stain=CD8;immune=0.7;infiltration=0.2;grade=0.5;architecture=0.3";

    [Fact]
    public void Canonical_spec_round_trips_through_parse_and_to_string()
    {
        var spec = SyntheticSlideSpec.Parse(Canonical);
        Assert.Equal(123UL, spec.Seed);
        Assert.Equal(IhcStain.CD8, spec.Stain);
        Assert.Equal(new LatentFactors(0.7, 0.2, 0.5, 0.3), spec.Factors);
        Assert.Equal(Canonical, spec.ToString());
        Assert.Equal(Canonical, SyntheticSlide.FromSpec(Canonical).Spec);
    }

    [Fact]
    public void Keys_in_any_order_parse_to_the_canonical_string()
    {
        var shuffled = "synthetic:v1;grade=0.5;stain=CD8;architecture=0.3;seed=123;infiltration=0.2;immune=0.7";
        Assert.Equal(Canonical, SyntheticSlideSpec.Parse(shuffled).ToString());
    }

    [Fact]
    public void Arbitrary_doubles_round_trip_exactly()
    {
        var spec = new SyntheticSlideSpec(ulong.MaxValue, IhcStain.CD4, new LatentFactors(1.0 / 3, 0.1 + 0.2, 1e-9, 1));
        Assert.Equal(spec, SyntheticSlideSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("slide.svs", "must start with")]
    [InlineData("synthetic:v9;seed=1;stain=CD8;immune=0;infiltration=0;grade=0;architecture=0", "version 'v9'")]
    [InlineData("synthetic:v1;seed=1;stain=CD8;immune=0;infiltration=0;grade=0", "'architecture' is missing")]
    [InlineData("synthetic:v1;seed=1;stain=CD8;immune=0;infiltration=0;grade=0;architecture=0;colour=red", "unknown key 'colour'")]
    [InlineData("synthetic:v1;seed=1;stain=CD8;immune=1.5;infiltration=0;grade=0;architecture=0", "immune '1.5'")]
    [InlineData("synthetic:v1;seed=-1;stain=CD8;immune=0;infiltration=0;grade=0;architecture=0", "seed '-1'")]
    [InlineData("synthetic:v1;seed=1;stain=HE;immune=0;infiltration=0;grade=0;architecture=0", "stain 'HE'")]
    [InlineData("synthetic:v1;seed=1;seed=2;stain=CD8;immune=0;infiltration=0;grade=0;architecture=0", "'seed' given twice")]
    [InlineData("synthetic:v1;seed=1;stain=CD8;immune;infiltration=0;grade=0;architecture=0", "'immune' is not key=value")]
    public void Bad_specs_fail_naming_the_part_that_is_wrong(string spec, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSlideSpec.Parse(spec));
        Assert.Contains(expected, e.Message);
    }
}
