using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>Bad input is rejected with a message that names the index and what was expected.</summary>
public class BadInputTests
{
    private static readonly SurvivalTargets Y = new([1.0, 2, 3, 4], [true, false, true, true]);

    [Fact]
    public void Kaplan_meier_rejects_bad_times_and_unsorted_table_times()
    {
        Assert.Contains("time[1]", Assert.Throws<ArgumentException>(() => new KaplanMeier().Fit([1.0, double.NaN], [true, true])).Message);
        Assert.Contains("eventObserved has 1 entries", Assert.Throws<ArgumentException>(() => new KaplanMeier().Fit([1.0, 2.0], [true])).Message);
        Assert.Contains("times[1]", Assert.Throws<ArgumentException>(() => new KaplanMeier().Fit(Y).Table([3.0, 2.0])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KaplanMeier(Level: 1.5).Fit(Y));
    }

    [Fact]
    public void Log_rank_rejects_a_single_group_and_mismatched_labels()
    {
        Assert.Contains("at least two groups", Assert.Throws<ArgumentException>(() => new LogRankTest().Fit(Y, [1, 1, 1, 1])).Message);
        Assert.Contains("group has 3 entries", Assert.Throws<ArgumentException>(() => new LogRankTest().Fit(Y, [0, 1, 1])).Message);
    }

    [Fact]
    public void Cox_regression_rejects_bad_covariates_naming_row_and_column()
    {
        var cox = new CoxRegression();
        Assert.Contains("covariates[2][1]", Assert.Throws<ArgumentException>(() =>
            cox.Fit([[1.0, 2], [0, 1], [1, double.NaN], [0, 3]], Y.Time, Y.EventObserved)).Message);
        Assert.Contains("covariates[1] has 1 values", Assert.Throws<ArgumentException>(() =>
            cox.Fit([[1.0, 2], [0], [1, 2], [0, 3]], Y.Time, Y.EventObserved)).Message);
        Assert.Contains("covariate 0 ('age') is constant", Assert.Throws<ArgumentException>(() =>
            cox.Fit(new[,] { { 5.0 }, { 5 }, { 5 }, { 5 } }, Y.Time, Y.EventObserved, ["age"])).Message);
        Assert.Contains("collinear", Assert.Throws<ArgumentException>(() =>
            cox.Fit(new[,] { { 1.0, 2 }, { 2, 4 }, { 3, 6 }, { 0, 0 } }, Y.Time, Y.EventObserved)).Message);
        Assert.Throws<NoEventsException>(() => cox.Fit(new[,] { { 1.0 }, { 2 } }, [1.0, 2], [false, false]));
    }

    [Fact]
    public void Ipcw_metrics_reject_times_without_cases_or_controls_and_bad_predictions()
    {
        Assert.Contains("Times[0] = 0.5", Assert.Throws<ArgumentException>(() => new TimeDependentAuc([0.5]).Fit(Y, [1.0, 2, 3, 4])).Message);
        Assert.Contains("Times[1] = 4", Assert.Throws<ArgumentException>(() => new TimeDependentAuc([2.0, 4.0]).Fit(Y, [1.0, 2, 3, 4])).Message);
        Assert.Contains("Times[1]", Assert.Throws<ArgumentException>(() => new TimeDependentAuc([2.0, 2.0]).Fit(Y, [1.0, 2, 3, 4])).Message);
        Assert.Contains("risk[3]", Assert.Throws<ArgumentException>(() => new TimeDependentAuc([2.0]).Fit(Y, [1.0, 2, 3, double.NaN])).Message);
        var s = new double[,] { { 0.5 }, { 0.5 }, { 1.2 }, { 0.5 } };
        Assert.Contains("survivalAtTimes[2, 0] = 1.2", Assert.Throws<ArgumentException>(() => new BrierScore([2.0]).Fit(Y, s)).Message);
        Assert.Contains("must be 4 × 2", Assert.Throws<ArgumentException>(() => new BrierScore([2.0, 3.0]).Fit(Y, s)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new UnoConcordance(-1).Fit(Y, [1.0, 2, 3, 4]));
        Assert.Throws<NoComparablePairsException>(() => new UnoConcordance(0.5).Fit(Y, [1.0, 2, 3, 4]));
    }
}
