using VPTSurv.Survival;
using Xunit;
using static VPTSurv.Tests.Survival.ToolkitReference;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Cox regression with all covariates of each dataset against R's coxph (Fixtures/survival/toolkit): coefficients,
/// standard errors, the LR / score / Wald tests, robust SE with cluster ids, strata, ridge, the baseline hazard and
/// survival of new subjects. R's Newton iterations stop at eps = 1e-14, so coefficients agree to 1e-7 relative.
/// </summary>
public class CoxToolkitAgainstRTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Names())
            foreach (var ties in new[] { "breslow", "efron" })
                if (Dataset(name)["cox"]?[ties] is not null) data.Add(name, ties);
        return data;
    }

    private const double Rel = 1e-7;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cox_fit_tests_robust_se_baseline_and_prediction_equal_R_coxph(string name, string ties)
    {
        var d = Columns(name);
        var c = Dataset(name)["cox"]!;
        var r = c[ties]!;
        var model = new CoxRegression(ties == "efron" ? CoxTies.Efron : CoxTies.Breslow);
        var cluster = RReference.Numbers(c["cluster"]).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var fit = model.Fit(d.X, d.Y.Time, d.Y.EventObserved, cluster: cluster);
        RReference.Close(RReference.Numbers(r["coef"]), fit.Coefficients, "coef", Rel);
        RReference.Close(RReference.Numbers(r["se"]), fit.StdErrors, "se", Rel);
        var loglik = RReference.Numbers(r["loglik"]);
        RReference.Close(loglik[0], fit.LogLikelihoodNull, "loglik null", Rel);
        RReference.Close(loglik[1], fit.LogLikelihood, "loglik", Rel);
        RReference.Close(RReference.Number(r["score"]), fit.ScoreTest, "score test", Rel);
        RReference.Close(RReference.Number(r["wald"]), fit.WaldTest, "Wald test", Rel);
        RReference.Close(RReference.Numbers(r["robust_se"]), fit.RobustStdErrors!, "robust se", Rel);

        var times = RReference.Numbers(c["times"]);
        RReference.Close(RReference.Numbers(r["baseline"]), times.Select(t => fit.Baseline!.At(0, t)).ToArray(), "baseline hazard", Rel);
        var newX = (System.Text.Json.Nodes.JsonArray)c["newx"]!;
        var predicted = (System.Text.Json.Nodes.JsonArray)r["predicted"]!;
        for (int s = 0; s < newX.Count; s++)
            RReference.Close(RReference.Numbers(predicted[s]), fit.PredictSurvival(RReference.Numbers(newX[s]), times), $"S(t | new subject {s})", Rel);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stratified_cox_equals_R_coxph_with_strata(string name, string ties)
    {
        var r = Dataset(name)["cox"]![ties]!["strata"];
        if (r is null) return;
        var d = Columns(name);
        var fit = new CoxRegression(ties == "efron" ? CoxTies.Efron : CoxTies.Breslow).Fit(d.X, d.Y.Time, d.Y.EventObserved, strata: d.Strata);
        RReference.Close(RReference.Numbers(r["coef"]), fit.Coefficients, "coef", Rel);
        RReference.Close(RReference.Numbers(r["se"]), fit.StdErrors, "se", Rel);
        RReference.Close(RReference.Numbers(r["loglik"])[1], fit.LogLikelihood, "loglik", Rel);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ridge_cox_equals_R_coxph_ridge_without_scaling(string name, string ties)
    {
        var r = Dataset(name)["cox"]![ties]!["ridge"];
        if (r is null) return;
        var d = Columns(name);
        var fit = new CoxRegression(ties == "efron" ? CoxTies.Efron : CoxTies.Breslow, Ridge: RReference.Number(r["theta"]))
            .Fit(d.X, d.Y.Time, d.Y.EventObserved);
        RReference.Close(RReference.Numbers(r["coef"]), fit.Coefficients, "coef", Rel);
        RReference.Close(RReference.Numbers(r["se"]), fit.StdErrors, "se", Rel);
        RReference.Close(RReference.Number(r["loglik"]), fit.LogLikelihood, "loglik (unpenalized)", Rel);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Proportional_hazards_test_equals_R_cox_zph_with_km_and_identity_time(string name, string ties)
    {
        var d = Columns(name);
        var fit = new CoxRegression(ties == "efron" ? CoxTies.Efron : CoxTies.Breslow).Fit(d.X, d.Y.Time, d.Y.EventObserved);
        foreach (var (key, transform) in new[] { ("km", CoxZphTransform.Km), ("identity", CoxZphTransform.Identity) })
        {
            var r = Dataset(name)["cox"]![ties]!["zph"]![key]!;
            var z = new CoxZph(transform).Fit(fit, d.X, d.Y.Time, d.Y.EventObserved);
            var chisq = RReference.Numbers(r["chisq"]);
            RReference.Close(chisq, [.. z.ChiSquare, z.GlobalChiSquare], $"{key} chi-square", Rel);
        }
    }

    [Fact]
    public void A_singular_design_is_a_typed_error_naming_the_covariates()
    {
        var d = Columns("lung");
        var x = d.X.Select(row => new[] { row[0], row[1], 2 * row[0] - row[1] }).ToArray();
        var e = Assert.Throws<ArgumentException>(() => new CoxRegression().Fit(x, d.Y.Time, d.Y.EventObserved));
        Assert.Equal("covariates", e.ParamName);
        Assert.Contains("collinear", e.Message);
    }
}
