using VPTSurv.Survival;
using Xunit;
using static VPTSurv.Tests.Survival.RReference;

namespace VPTSurv.Tests.Survival;

/// <summary>Every statistic against R's survival package (values committed in Fixtures/survival/reference.json).</summary>
public class AgainstRTests
{
    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Harrell_c_and_pair_counts_equal_R_concordance(string name)
    {
        var (y, risk, _, _, _) = Columns(name);
        var r = Dataset(name)["harrell"]!;
        var c = new HarrellConcordance().Fit(y, risk);
        Assert.Equal(
            ((long)Number(r["concordant"]), (long)Number(r["discordant"]), (long)Number(r["tied_risk"]), (long)Number(r["tied_time"]), (long)Number(r["tied_time_and_risk"])),
            (c.Concordant, c.Discordant, c.TiedRisk, c.TiedTime, c.TiedTimeAndRisk));
        Close(Number(r["concordance"]), c.CIndex, "C");
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Uno_c_equals_R_concordance_with_n_over_G2_weights(string name)
    {
        var (y, risk, _, _, _) = Columns(name);
        var r = Dataset(name)["uno"]!;
        Close(Number(r["c_all"]), new UnoConcordance().Fit(y, risk).CIndex, "Uno C (no truncation)");
        Close(Number(r["c_tau"]), new UnoConcordance(Number(r["tau"])).Fit(y, risk).CIndex, "Uno C (tau)");
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Kaplan_meier_equals_R_survfit_with_each_band_and_medians(string name)
    {
        var (y, _, _, _, _) = Columns(name);
        foreach (var (band, key) in new[] { (ConfidenceBand.Log, "km_log"), (ConfidenceBand.LogLog, "km_loglog"), (ConfidenceBand.Plain, "km_plain") })
        {
            var r = Dataset(name)[key]!;
            var km = new KaplanMeier(band).Fit(y);
            Close(Numbers(r["time"]), km.Time, $"{key} time");
            Assert.Equal(Ints(r["n_risk"]), km.AtRisk);
            Assert.Equal(Ints(r["n_event"]), km.Events);
            Assert.Equal(Ints(r["n_censor"]), km.Censored);
            Close(Numbers(r["surv"]), km.Survival, $"{key} surv");
            Close(Numbers(r["std_err_log"]), km.StdErrLog, $"{key} std.err (log S)");
            Close(Numbers(r["std_err"]), km.StdErr, $"{key} std.err (S)");
            Close(Numbers(r["lower"]), km.Lower, $"{key} lower");
            Close(Numbers(r["upper"]), km.Upper, $"{key} upper");
            Close(Number(r["median"]), km.Median, $"{key} median");
            Close(Number(r["median_lower"]), km.MedianLower, $"{key} median lower");
            Close(Number(r["median_upper"]), km.MedianUpper, $"{key} median upper");
        }
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Kaplan_meier_table_equals_R_summary_at_times(string name)
    {
        var (y, _, _, _, _) = Columns(name);
        var r = Dataset(name)["km_table"]!;
        var table = new KaplanMeier().Fit(y).Table(Numbers(r["times"]));
        Assert.Equal(Ints(r["n_risk"]), table.Select(t => t.AtRisk));
        Assert.Equal(Ints(r["n_event"]), table.Select(t => t.Events));
        Assert.Equal(Ints(r["n_censor"]), table.Select(t => t.Censored));
        Close(Numbers(r["surv"]), table.Select(t => t.Survival).ToArray(), "table surv");
        Close(Numbers(r["std_err"]), table.Select(t => t.StdErr).ToArray(), "table std.err");
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Log_rank_equals_R_survdiff_for_two_and_k_groups(string name)
    {
        var (y, _, _, _, _) = Columns(name);
        foreach (var key in new[] { "two", "k" })
        {
            var r = Dataset(name)["logrank"]![key]!;
            var lr = new LogRankTest().Fit(y, Ints(r["group"]));
            Close(Numbers(r["observed"]), lr.Observed, $"{key} observed");
            Close(Numbers(r["expected"]), lr.Expected, $"{key} expected");
            Close(Number(r["chisq"]), lr.ChiSquare, $"{key} chi-square");
            Assert.Equal((int)Number(r["df"]), lr.DegreesOfFreedom);
            Close(Number(r["p"]), lr.PValue, $"{key} p");
        }
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Cox_regression_equals_R_coxph_for_both_tie_methods(string name)
    {
        var (y, _, _, x1, x2) = Columns(name);
        var cox = Dataset(name)["cox"];
        if (cox is null) { Assert.Equal("one_event", name); return; } // R's script skips Cox fits with < 5 deaths
        foreach (var (ties, key) in new[] { (CoxTies.Breslow, "breslow"), (CoxTies.Efron, "efron") })
        {
            var designs = new Dictionary<string, double[][]>
            {
                ["uni"] = x1.Select(v => new[] { v }).ToArray(),
                ["multi"] = x1.Zip(x2, (a, b) => new[] { a, b }).ToArray(),
            };
            foreach (var (model, x) in designs)
            {
                var r = cox[key]![model]!;
                var fit = new CoxRegression(ties).Fit(x, y.Time, y.EventObserved);
                string what = $"{key} {model}";
                Assert.True(fit.Converged, what);
                Close(Numbers(r["coef"]), fit.Coefficients, $"{what} coef");
                Close(Numbers(r["se"]), fit.StdErrors, $"{what} se");
                Close(Numbers(r["hr"]), fit.HazardRatios, $"{what} HR");
                Close(Numbers(r["lower"]), fit.Lower, $"{what} HR lower");
                Close(Numbers(r["upper"]), fit.Upper, $"{what} HR upper");
                Close(Numbers(r["p"]), fit.PValues, $"{what} p", 1e-8);
                Close(Number(r["loglik"]), fit.LogLikelihood, $"{what} loglik");
                Close(Number(r["loglik_null"]), fit.LogLikelihoodNull, $"{what} null loglik");
            }
        }
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Cox_loss_equals_R_partial_likelihood_at_a_fixed_predictor(string name)
    {
        var (y, risk, _, _, _) = Columns(name);
        var r = Dataset(name)["cox_offset"]!;
        foreach (var (ties, key) in new[] { (CoxTies.Breslow, "breslow"), (CoxTies.Efron, "efron") })
        {
            using var loss = SurvivalLoss.CoxPartialLikelihood(
                TorchSharp.torch.tensor(risk), TorchSharp.torch.tensor(y.Time),
                TorchSharp.torch.tensor(y.EventObserved.Select(e => e ? 1.0 : 0.0).ToArray()), ties);
            // The loss is -loglik / deaths.
            Close(-Number(r[key]) / y.EventCount, loss.item<double>(), $"{key} loss");
        }
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Time_dependent_auc_equals_the_direct_O_n2_reference(string name)
    {
        var (y, risk, _, _, _) = Columns(name);
        var r = Dataset(name)["auc"]!;
        var auc = new TimeDependentAuc(Numbers(r["times"])).Fit(y, risk);
        Close(Numbers(r["auc"]), auc.Auc, "AUC(t)");
    }

    [Theory]
    [MemberData(nameof(RReference.Datasets), MemberType = typeof(RReference))]
    public void Brier_score_equals_the_direct_O_n2_reference(string name)
    {
        var (y, _, _, _, _) = Columns(name);
        var r = Dataset(name)["brier"]!;
        var bs = new BrierScore(Numbers(r["times"])).Fit(y, Matrix(r["survival"], y.Count));
        Close(Numbers(r["score"]), bs.Score, "BS(t)");
    }
}
