using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

public class SurvivalTargetsTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void Bad_time_is_rejected_naming_its_index(double bad)
    {
        var ex = Assert.Throws<ArgumentException>(() => new SurvivalTargets([1.0, 2.0, bad], [true, false, true]));
        Assert.Contains("time[2]", ex.Message);
    }

    [Fact]
    public void Length_mismatch_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SurvivalTargets([1.0, 2.0], [true]));
        Assert.Contains("eventObserved has 1 entries but time has 2", ex.Message);
    }

    [Fact]
    public void Event_codes_other_than_0_and_1_are_rejected_naming_the_index()
    {
        var ex = Assert.Throws<ArgumentException>(() => SurvivalTargets.Create([1.0, 2.0, 3.0], new[] { 1, 0, 2 }));
        Assert.Contains("eventCode[2] = 2", ex.Message);
        var ok = SurvivalTargets.Create([1.0, 2.0], new[] { 1, 0 });
        Assert.Equal([true, false], ok.EventObserved);
    }

    [Fact]
    public void Targets_copy_their_inputs_and_subset_in_order()
    {
        var time = new[] { 5.0, 1.0, 3.0 };
        var targets = new SurvivalTargets(time, [true, false, true]);
        time[0] = 99;
        Assert.Equal(5.0, targets.Time[0]);
        var sub = targets.Subset([2, 0]);
        Assert.Equal([3.0, 5.0], sub.Time);
        Assert.Equal(2, sub.EventCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => targets.Subset([3]));
    }
}
