using MathNet.Numerics.Statistics;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>Bootstrap intervals, labels of any type and typed errors of the survival toolkit.</summary>
public class ToolkitPropertyTests
{
    private static (SurvivalTargets Y, double[] Risk) Lung()
    {
        var d = ToolkitReference.Columns("lung");
        return (d.Y, d.Risk);
    }

    [Fact]
    public void Uno_bootstrap_interval_is_the_documented_resampling_redone_by_a_plain_loop()
    {
        var (y, risk) = Lung();
        var settings = new BootstrapSettings(60, Seed: 7);
        var fit = new UnoConcordance(Bootstrap: settings).Fit(y, risk);
        var master = new Random(7);
        var seeds = Enumerable.Range(0, 60).Select(_ => master.Next()).ToArray();
        var values = seeds.Select(s =>
        {
            var rng = new Random(s);
            var idx = Enumerable.Range(0, y.Count).Select(_ => rng.Next(y.Count)).ToArray();
            return new UnoConcordance().Fit(y.Subset(idx), idx.Select(i => risk[i]).ToArray()).CIndex;
        }).ToArray();
        Assert.NotNull(fit.Bootstrap);
        Assert.Equal(values.QuantileCustom(0.025, QuantileDefinition.R7), fit.Bootstrap!.Lower, 12);
        Assert.Equal(values.QuantileCustom(0.975, QuantileDefinition.R7), fit.Bootstrap.Upper, 12);
        Assert.Equal(60, fit.Bootstrap.Resamples + fit.Bootstrap.Skipped);
    }

    [Fact]
    public void Auc_and_ibs_bootstrap_intervals_bracket_the_estimates_and_repeat_with_the_seed()
    {
        var (y, risk) = Lung();
        double[] times = [150, 300, 450];
        var auc = new TimeDependentAuc(times, new BootstrapSettings(80, 3)).Fit(y, risk);
        Assert.Equal(3, auc.AucBootstrap!.Length);
        Assert.True(auc.MeanAucBootstrap!.Lower < auc.MeanAuc && auc.MeanAuc < auc.MeanAucBootstrap.Upper);
        var again = new TimeDependentAuc(times, new BootstrapSettings(80, 3)).Fit(y, risk);
        Assert.Equal(auc.MeanAucBootstrap, again.MeanAucBootstrap);

        // A survival prediction that ignores the subject: the KM curve itself.
        var km = new KaplanMeier().Fit(y);
        var s = new double[y.Count, times.Length];
        for (int i = 0; i < y.Count; i++)
            for (int k = 0; k < times.Length; k++) s[i, k] = km.SurvivalAt(times[k]);
        var bs = new BrierScore(times, new BootstrapSettings(80, 3)).Fit(y, s);
        Assert.True(bs.IntegratedBootstrap!.Lower < bs.Integrated && bs.Integrated < bs.IntegratedBootstrap.Upper);
    }

    [Fact]
    public void Harrell_bootstrap_and_jackknife_standard_errors_agree_roughly()
    {
        var (y, risk) = Lung();
        var c = new HarrellConcordance(Bootstrap: new BootstrapSettings(400, 1)).Fit(y, risk);
        // Two estimates of one quantity: within 25 % of each other on 227 subjects.
        Assert.InRange(c.Bootstrap!.StdError / c.StdError, 0.75, 1.25);
    }

    [Fact]
    public void Log_rank_accepts_any_label_type_with_the_same_statistic()
    {
        var (y, _) = Lung();
        var ints = Enumerable.Range(0, y.Count).Select(i => i % 3).ToArray();
        var strings = ints.Select(g => new[] { "a", "b", "c" }[g]).ToArray();
        var bools = ints.Select(g => g == 0).ToArray();
        var fromInts = new LogRankTest().Fit(y, ints);
        var fromStrings = new LogRankTest().Fit(y, strings);
        Assert.Equal(fromInts.ChiSquare, fromStrings.ChiSquare, 12);
        Assert.Equal(["a", "b", "c"], fromStrings.Groups);
        var fromBools = new LogRankTest().Fit(y, bools);
        Assert.Equal(["false", "true"], fromBools.Groups);
        Assert.Equal(new LogRankTest().Fit(y, ints.Select(g => g == 0 ? 1 : 0).ToArray()).ChiSquare, fromBools.ChiSquare, 12);
    }

    [Fact]
    public void Bad_input_gets_typed_errors_that_name_the_argument()
    {
        double[] t = [1, 2, 3, 4];
        bool[] e = [true, false, true, true];
        Assert.Equal("time", Assert.Throws<ArgumentException>(() => new NelsonAalen().Fit([1, -2, 3], [true, true, true])).ParamName);
        Assert.Equal("time", Assert.Throws<ArgumentException>(() => new HarrellConcordance().Fit([1, double.NaN], [true, true], [1, 2])).ParamName);
        Assert.Equal("eventCode", Assert.Throws<ArgumentException>(() => SurvivalTargets.Create(t, [0, 1, 2, 1])).ParamName);
        Assert.Equal("risk", Assert.Throws<ArgumentException>(() => new HarrellConcordance().Fit(t, e, [1, 2, 3])).ParamName);
        Assert.Equal("group", Assert.Throws<ArgumentException>(() => new LogRankTest().Fit(t, e, new[] { "a", "a", "a", "a" })).ParamName);
        Assert.Equal("group", Assert.Throws<ArgumentException>(() => new LogRankTest().Fit(t, e, new string[] { "a", null!, "b", "b" })).ParamName);
        Assert.Equal("strata", Assert.Throws<ArgumentException>(() => new LogRankTest().Fit(t, e, new[] { 0, 0, 1, 1 }, new[] { 1 })).ParamName);
        Assert.Throws<NoComparablePairsException>(() => new HarrellConcordance().Fit([5.0], [true], [0.3]));
        Assert.Throws<NoComparablePairsException>(() => new ConcordanceComparison().Fit(t, [false, false, false, false], [1, 2, 3, 4], [4, 3, 2, 1]));
    }

    [Fact]
    public void Summaries_render_every_row()
    {
        var (y, risk) = Lung();
        var text = new HarrellConcordance().Fit(y, risk).Summary.ToString();
        Assert.Contains("Harrell's C", text);
        var lr = new LogRankTest(LogRankWeight.TaroneWare).Fit(y, risk.Select(r => r > 60).ToArray()).Summary;
        Assert.Equal(2, lr.Rows.Count);
        Assert.Contains("Tarone–Ware", lr.Title);
    }
}
