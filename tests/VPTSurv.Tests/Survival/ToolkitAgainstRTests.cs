using VPTSurv.Survival;
using Xunit;
using static VPTSurv.Tests.Survival.ToolkitReference;

namespace VPTSurv.Tests.Survival;

/// <summary>Standard errors, estimators and tests of the survival toolkit against R (Fixtures/survival/toolkit).</summary>
public class ToolkitAgainstRTests
{
    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Harrell_c_standard_error_equals_R_concordance_var(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["harrell"];
        if (r is null)
        {
            Assert.Throws<NoComparablePairsException>(() => new HarrellConcordance().Fit(d.Y, d.Risk));
            return;
        }
        var c = new HarrellConcordance().Fit(d.Y, d.Risk);
        RReference.Close(RReference.Number(r["concordance"]), c.CIndex, "C");
        RReference.Close(RReference.Number(r["var"]), c.Variance, "var(C)");
        RReference.Close(RReference.Number(r["std_err"]), c.StdError, "se(C)");
        Assert.Equal(c.CIndex - 1.959963984540054 * c.StdError, c.Lower, 12);
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Paired_c_comparison_equals_R_joint_concordance_covariance(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["compare"];
        if (r is null)
        {
            Assert.Throws<NoComparablePairsException>(() => new ConcordanceComparison().Fit(d.Y, d.Risk, d.Risk2));
            return;
        }
        var cmp = new ConcordanceComparison().Fit(d.Y, d.Risk, d.Risk2);
        RReference.Close(RReference.Numbers(r["c"]), [cmp.A.CIndex, cmp.B.CIndex], "C(a), C(b)");
        var v = RReference.Matrix(r["var"], 2);
        RReference.Close([v[0, 0], v[0, 1], v[1, 1]], [cmp.Covariance[0, 0], cmp.Covariance[0, 1], cmp.Covariance[1, 1]], "vcov");
        RReference.Close(RReference.Number(r["difference"]), cmp.Difference, "difference");
        RReference.Close(RReference.Number(r["se"]), cmp.StdError, "se(difference)");
        RReference.Close(RReference.Number(r["p"]), cmp.PValue, "p", 1e-8);
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Nelson_aalen_equals_R_survfit_cumhaz_and_std_chaz(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["nelson_aalen"]!;
        var na = new NelsonAalen().Fit(d.Y);
        RReference.Close(RReference.Numbers(r["time"]), na.Time, "time");
        RReference.Close(RReference.Numbers(r["cumhaz"]), na.CumulativeHazard, "H");
        RReference.Close(RReference.Numbers(r["std_err"]), na.StdError, "se(H)");
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Kaplan_meier_quantiles_intervals_and_survival_at_times_equal_R(string name)
    {
        var d = Columns(name);
        var km = new KaplanMeier().Fit(d.Y);
        var q = Dataset(name)["quantiles"]!;
        var rows = km.Quantiles(RReference.Numbers(q["p"]));
        RReference.Close(RReference.Numbers(q["quantile"]), rows.Select(x => x.Time).ToArray(), "quantile");
        RReference.Close(RReference.Numbers(q["lower"]), rows.Select(x => x.Lower).ToArray(), "quantile lower");
        RReference.Close(RReference.Numbers(q["upper"]), rows.Select(x => x.Upper).ToArray(), "quantile upper");
        var a = Dataset(name)["km_at"]!;
        var table = km.Table(RReference.Numbers(a["times"]));
        RReference.Close(RReference.Numbers(a["surv"]), table.Select(x => x.Survival).ToArray(), "S(t)");
        RReference.Close(RReference.Numbers(a["lower"]), table.Select(x => x.Lower).ToArray(), "S(t) lower");
        RReference.Close(RReference.Numbers(a["upper"]), table.Select(x => x.Upper).ToArray(), "S(t) upper");
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Restricted_mean_and_its_se_equal_R_print_survfit_rmean(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["rmst"]!;
        var rm = new KaplanMeier().Fit(d.Y).RestrictedMean(RReference.Number(r["tau"]));
        RReference.Close(RReference.Number(r["rmean"]), rm.Mean, "rmean");
        RReference.Close(RReference.Number(r["se"]), rm.StdError, "se(rmean)");
    }

    public static TheoryData<string, string> WeightedCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Names())
            if (Dataset(name)["weighted"] is not null)
                foreach (var w in new[] { "logrank", "peto_peto", "gehan", "tarone_ware", "fh_1_1", "fh_0_1" }) data.Add(name, w);
        return data;
    }

    [Theory]
    [MemberData(nameof(WeightedCases))]
    public void Weighted_log_rank_equals_R_survdiff_or_its_checked_hand_form(string name, string weight)
    {
        var d = Columns(name);
        var r = Dataset(name)["weighted"]![weight]!;
        var test = weight switch
        {
            "logrank" => new LogRankTest(),
            "peto_peto" => new LogRankTest(LogRankWeight.PetoPeto),
            "gehan" => new LogRankTest(LogRankWeight.GehanWilcoxon),
            "tarone_ware" => new LogRankTest(LogRankWeight.TaroneWare),
            "fh_1_1" => new LogRankTest(LogRankWeight.FlemingHarrington, 1, 1),
            _ => new LogRankTest(LogRankWeight.FlemingHarrington, 0, 1),
        };
        var lr = test.Fit(d.Y, d.Group);
        RReference.Close(RReference.Numbers(r["observed"]), lr.Observed, "observed");
        RReference.Close(RReference.Numbers(r["expected"]), lr.Expected, "expected");
        RReference.Close(RReference.Number(r["chisq"]), lr.ChiSquare, "chi-square", 1e-8);
        Assert.Equal((int)RReference.Number(r["df"]), lr.DegreesOfFreedom);
        RReference.Close(RReference.Number(r["p"]), lr.PValue, "p", 1e-8);
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Stratified_log_rank_equals_R_survdiff_with_strata(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["stratified"];
        if (r is null) return;
        var lr = new LogRankTest().Fit(d.Y.Time, d.Y.EventObserved, d.Group, d.Strata);
        RReference.Close(RReference.Numbers(r["observed"]), lr.Observed, "observed");
        RReference.Close(RReference.Numbers(r["expected"]), lr.Expected, "expected");
        RReference.Close(RReference.Number(r["chisq"]), lr.ChiSquare, "chi-square", 1e-8);
        Assert.Equal((int)RReference.Number(r["df"]), lr.DegreesOfFreedom);
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Pairwise_log_rank_with_holm_and_bh_equals_R_survdiff_and_p_adjust(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["pairwise"];
        if (r is null) return;
        var holm = new PairwiseLogRank(new LogRankTest(), PAdjustment.Holm).Fit(d.Y.Time, d.Y.EventObserved, d.Group);
        var bh = new PairwiseLogRank(new LogRankTest(), PAdjustment.BenjaminiHochberg).Fit(d.Y.Time, d.Y.EventObserved, d.Group);
        RReference.Close(RReference.Numbers(r["p"]), holm.Pairs.Select(p => p.PValue).ToArray(), "raw p", 1e-8);
        RReference.Close(RReference.Numbers(r["holm"]), holm.Pairs.Select(p => p.AdjustedPValue).ToArray(), "Holm p", 1e-8);
        RReference.Close(RReference.Numbers(r["bh"]), bh.Pairs.Select(p => p.AdjustedPValue).ToArray(), "BH p", 1e-8);
    }

    [Theory]
    [MemberData(nameof(ToolkitReference.Datasets), MemberType = typeof(ToolkitReference))]
    public void Log_rank_trend_equals_the_contrast_of_R_survdiff(string name)
    {
        var d = Columns(name);
        var r = Dataset(name)["trend"];
        if (r is null) return;
        var score = d.Group.Select(g => double.Parse(g, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var t = new LogRankTrend().Fit(d.Y.Time, d.Y.EventObserved, score);
        RReference.Close(RReference.Numbers(r["scores"]), t.Scores, "scores");
        RReference.Close(RReference.Number(r["u"]), t.U, "U");
        RReference.Close(RReference.Number(r["var"]), t.Variance, "var U");
        RReference.Close(RReference.Number(r["p"]), t.PValue, "p", 1e-8);
    }
}
