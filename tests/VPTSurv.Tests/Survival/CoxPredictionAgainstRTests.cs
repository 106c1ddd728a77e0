using VPTSurv.Survival;
using Xunit;
using static VPTSurv.Tests.Survival.ToolkitReference;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Predicted Cox survival curves of two new subjects (the covariate means + 0.5, and the column minima) with standard
/// errors and log / log-log / plain bands, against R's <c>survfit(coxph_fit, newdata, conf.type = …)</c> at every
/// time of R's curve, also from a stratified fit in every stratum (Fixtures/survival/cox, make_cox_extras.R). R's fit
/// stops at eps = 1e-14: 1e-7 relative.
/// </summary>
public class CoxPredictionAgainstRTests
{
    public static TheoryData<string, string> Cases() => CoxExtrasReference.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predicted_curves_standard_errors_and_bands_equal_R_survfit_newdata(string name, string ties)
    {
        var r = CoxExtrasReference.Block(name, ties)["predict"]!;
        var d = Columns(name);
        var fit = new CoxRegression(ties == "efron" ? CoxTies.Efron : CoxTies.Breslow).Fit(d.X, d.Y.Time, d.Y.EventObserved);
        var times = RReference.Numbers(r["time"]);
        var newX = CoxExtrasReference.Rows(r["newx"]);
        for (int s = 0; s < newX.Length; s++)
        {
            foreach (var (band, key) in new[] { (ConfidenceBand.Log, "log"), (ConfidenceBand.LogLog, "loglog"), (ConfidenceBand.Plain, "plain") })
            {
                var pred = fit.PredictSurvivalCurve(newX[s], times, band: band);
                RReference.Close(CoxExtrasReference.Rows(r["surv"])[s], pred.Survival, $"S (subject {s})", 1e-7);
                RReference.Close(CoxExtrasReference.Rows(r["std_err"])[s], pred.StdError, $"std.err (subject {s})", 1e-7);
                RReference.Close(CoxExtrasReference.Rows(r[$"lower_{key}"])[s], pred.Lower, $"lower {key} (subject {s})", 1e-7);
                RReference.Close(CoxExtrasReference.Rows(r[$"upper_{key}"])[s], pred.Upper, $"upper {key} (subject {s})", 1e-7);
            }
            RReference.Close(fit.PredictSurvival(newX[s], times), fit.PredictSurvivalCurve(newX[s], times).Survival, "PredictSurvival", 1e-15);
        }
    }

    /// <summary>
    /// From a stratified fit (R: <c>survfit(coxph(y ~ x + strata(st)), newdata)</c>, curves stacked by stratum): each
    /// new subject's curve in every stratum — that stratum's baseline hazard, its variance terms and mean terms, the
    /// fit's common β and covariance.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Predicted_curves_of_a_stratified_fit_equal_R_survfit_newdata_in_every_stratum(string name, string ties)
    {
        var r = CoxExtrasReference.Block(name, ties)["predict_strata"];
        if (r is null) return;   // the dataset has one stratum, or R's stratified fit did not converge
        var d = Columns(name);
        var fit = new CoxRegression(ties == "efron" ? CoxTies.Efron : CoxTies.Breslow).Fit(d.X, d.Y.Time, d.Y.EventObserved, strata: d.Strata);
        var strata = ((System.Text.Json.Nodes.JsonArray)r["strata"]!).Select(v => (string)v!).ToArray();
        var counts = RReference.Numbers(r["counts"]).Select(c => (int)c).ToArray();
        var allTimes = RReference.Numbers(r["time"]);
        var newX = CoxExtrasReference.Rows(r["newx"]);
        Assert.Equal(strata.Length, fit.Baseline!.Strata.Length);
        for (int k = 0, from = 0; k < strata.Length; from += counts[k], k++)
        {
            int stratum = Array.IndexOf(fit.Baseline.Strata, strata[k]);
            Assert.True(stratum >= 0, $"stratum '{strata[k]}' of R's fit is not among the fit's strata");
            var times = allTimes[from..(from + counts[k])];
            for (int s = 0; s < newX.Length; s++)
            {
                double[] Of(string key) => CoxExtrasReference.Rows(r[key])[s][from..(from + counts[k])];
                string at = $"(stratum {strata[k]}, subject {s})";
                foreach (var (band, key) in new[] { (ConfidenceBand.Log, "log"), (ConfidenceBand.LogLog, "loglog") })
                {
                    var pred = fit.PredictSurvivalCurve(newX[s], times, stratum, band);
                    RReference.Close(Of("surv"), pred.Survival, $"S {at}", 1e-7);
                    RReference.Close(Of("std_err"), pred.StdError, $"std.err {at}", 1e-7);
                    RReference.Close(Of($"lower_{key}"), pred.Lower, $"lower {key} {at}", 1e-7);
                    RReference.Close(Of($"upper_{key}"), pred.Upper, $"upper {key} {at}", 1e-7);
                }
            }
        }
    }

    [Fact]
    public void Bad_prediction_arguments_are_typed_errors_naming_the_argument()
    {
        var d = Columns("lung");
        var fit = new CoxRegression().Fit(d.X, d.Y.Time, d.Y.EventObserved);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => fit.PredictSurvivalCurve([1.0], [10.0])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => fit.PredictSurvivalCurve([double.NaN, 1], [10.0])).ParamName);
        Assert.Equal("times", Assert.Throws<ArgumentException>(() => fit.PredictSurvivalCurve([60.0, 1], [10.0, -1])).ParamName);
        Assert.Equal("times", Assert.Throws<ArgumentException>(() => fit.PredictSurvivalCurve([60.0, 1], [double.NaN])).ParamName);
        Assert.Equal("stratum", Assert.Throws<ArgumentOutOfRangeException>(() => fit.PredictSurvivalCurve([60.0, 1], [10.0], stratum: 1)).ParamName);
    }
}
