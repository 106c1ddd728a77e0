using VPTSurv.Charts;
using Xunit;

namespace VPTSurv.Tests.Interactive;

public class KaplanMeierCurveTests
{
    [Theory]
    [InlineData("female", 0)]
    [InlineData("female", 200)]
    [InlineData("male", 500)]
    [InlineData("male", 883)]
    [InlineData("male", 1022)]
    [InlineData("male", 1100)]
    public void AtRiskAt_equals_a_hand_count_of_the_raw_data(string group, double t) =>
        Assert.Equal(LungFixture.HandCountAtRisk(group, t), LungFixture.Curves[group].AtRiskAt(t));

    [Fact]
    public void Median_and_size_match_R()
    {
        var female = LungFixture.Curves["female"];
        var male = LungFixture.Curves["male"];
        Assert.Equal(LungFixture.Stats["median_female"], female.MedianTime);
        Assert.Equal(LungFixture.Stats["median_male"], male.MedianTime);
        Assert.Equal(LungFixture.Subjects.Count(s => s.Group == "female"), female.Count);
        Assert.Equal(LungFixture.Subjects.Count(s => s.Group == "male" && s.Event), male.EventCount);
    }

    [Fact]
    public void SurvivalAt_is_one_before_the_first_event_and_holds_between_events()
    {
        var male = LungFixture.Curves["male"];
        var first = male.Steps.First(s => s.Events > 0);
        Assert.Equal(1.0, male.SurvivalAt(first.Time - 1e-9));
        Assert.Equal(first.Survival, male.SurvivalAt(first.Time));
        var next = male.Steps.First(s => s.Time > first.Time && s.Survival < first.Survival);
        Assert.Equal(first.Survival, male.SurvivalAt((first.Time + next.Time) / 2));
    }

    [Fact]
    public void StepPath_has_a_vertical_drop_at_each_event_time_and_shared_x_for_the_band()
    {
        var female = LungFixture.Curves["female"];
        var (x, y) = female.StepPath();
        var (xl, lower) = female.StepPath(StepValue.Lower);
        var (xu, upper) = female.StepPath(StepValue.Upper);
        Assert.Equal(x, xl);
        Assert.Equal(x, xu);
        Assert.Equal((0.0, 1.0), (x[0], y[0]));
        Assert.Equal(female.LastTime, x[^1]);
        int drops = female.Steps.Count(s => s.Events > 0);
        Assert.Equal(drops, Enumerable.Range(1, x.Length - 1).Count(i => x[i] == x[i - 1] && y[i] < y[i - 1]));
        for (int i = 0; i < x.Length; i++) Assert.InRange(y[i], lower[i], upper[i]);
    }

    [Fact]
    public void Censor_marks_sit_on_the_curve_at_censoring_times()
    {
        var male = LungFixture.Curves["male"];
        var (x, y) = male.CensorMarks();
        Assert.Equal(male.Steps.Count(s => s.Censored > 0), x.Length);
        for (int i = 0; i < x.Length; i++) Assert.Equal(male.SurvivalAt(x[i]), y[i]);
    }

    [Fact]
    public void A_table_with_a_missing_row_is_rejected_naming_the_row()
    {
        var steps = LungFixture.Curves["female"].Steps.Where((_, i) => i != 3).ToArray();
        var e = Assert.Throws<ArgumentException>(() => new KaplanMeierCurve("female", steps));
        Assert.Contains("row 3", e.Message);
        Assert.Contains("every observed time must have a row", e.Message);
    }

    [Fact]
    public void Unordered_times_and_rising_survival_are_rejected()
    {
        SurvivalStep S(double t, int n, double s) => new(t, n, 1, 0, s, s, s);
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() =>
            new KaplanMeierCurve("g", [S(2, 3, 0.6), S(1, 2, 0.3)])).Message);
        Assert.Contains("rises", Assert.Throws<ArgumentException>(() =>
            new KaplanMeierCurve("g", [new(1, 3, 0, 1, 1.0, 1, 1), new(2, 2, 1, 0, 0.5, 0.5, 0.5), new(3, 1, 0, 0, 0.7, 0.7, 0.7)])).Message);
    }

    [Theory]
    [InlineData(1022, new[] { 0.0, 250, 500, 750, 1000 })]
    [InlineData(1.0, new[] { 0.0, 0.2, 0.4, 0.6, 0.8, 1.0 })]
    [InlineData(37, new[] { 0.0, 10, 20, 30 })]
    public void NiceTicks_are_round_and_cover_the_range(double max, double[] expected) =>
        Assert.Equal(expected, ChartText.NiceTicks(max));
}
