using VPTSurv.Survival;
using Xunit;
using static VPTSurv.Tests.Survival.ToolkitReference;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Schoenfeld residuals against Fixtures/survival/cox (make_cox_extras.R): R's <c>residuals(fit, "schoenfeld")</c>
/// and <c>"scaledsch"</c>, without and with strata, and <c>cox.zph</c>'s per-death values ($time, $x, $y) with the
/// km and identity time scales. R's Newton fit stops at eps = 1e-14, so values agree to 1e-7 relative (as the
/// coefficients in CoxToolkitAgainstRTests); residuals near 0 get an absolute slack of 1e-9.
/// </summary>
public class CoxResidualsAgainstRTests
{
    private const double Rel = 1e-7;

    private static CoxTies TiesOf(string ties) => ties == "efron" ? CoxTies.Efron : CoxTies.Breslow;

    private static void CloseRows(double[][] expected, double[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            for (int j = 0; j < expected[k].Length; j++)
                Assert.True(Math.Abs(actual[k][j] - expected[k][j]) <= Rel * Math.Abs(expected[k][j]) + 1e-9,
                    $"{what}[{k}][{j}]: R {expected[k][j]:R}, ours {actual[k][j]:R}");
    }

    public static TheoryData<string, string> Cases() => CoxExtrasReference.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Schoenfeld_and_scaled_residuals_equal_R(string name, string ties)
    {
        var r = CoxExtrasReference.Block(name, ties)["schoenfeld"]!;
        var d = Columns(name);
        var fit = new CoxRegression(TiesOf(ties)).Fit(d.X, d.Y.Time, d.Y.EventObserved);
        var res = new CoxSchoenfeld().Fit(fit, d.X, d.Y.Time, d.Y.EventObserved);
        RReference.Close(RReference.Numbers(r["zph_time"]), res.Time, "time", 0);
        CloseRows(CoxExtrasReference.Rows(r["raw"]), res.Raw, "schoenfeld");
        CloseRows(CoxExtrasReference.Rows(r["scaled"]), res.Scaled, "scaledsch");
        Assert.Equal(res.Time.Length, res.Summary.Rows.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stratified_schoenfeld_residuals_equal_R(string name, string ties)
    {
        var r = CoxExtrasReference.Block(name, ties)["schoenfeld_strata"];
        if (r is null) return;
        var d = Columns(name);
        var fit = new CoxRegression(TiesOf(ties)).Fit(d.X, d.Y.Time, d.Y.EventObserved, strata: d.Strata);
        RReference.Close(RReference.Numbers(r["coef"]), fit.Coefficients, "coef", Rel);
        var res = new CoxSchoenfeld().Fit(fit, d.X, d.Y.Time, d.Y.EventObserved, d.Strata);
        Assert.Equal(Strings(r["stratum"]), res.Stratum);
        CloseRows(CoxExtrasReference.Rows(r["raw"]), res.Raw, "schoenfeld (strata)");
        CloseRows(CoxExtrasReference.Rows(r["scaled"]), res.Scaled, "scaledsch (strata)");

        var zph = new CoxZph().Fit(fit, d.X, d.Y.Time, d.Y.EventObserved, d.Strata);
        RReference.Close(RReference.Numbers(r["zph_chisq"]), [.. zph.ChiSquare, zph.GlobalChiSquare], "cox.zph chi-square (strata)", Rel);
        RReference.Close(RReference.Numbers(r["zph_time"]), zph.Time, "cox.zph time (strata)", 0);
        CloseRows(CoxExtrasReference.Rows(r["zph_y"]), zph.ScaledResiduals, "cox.zph y (strata)");
        // The time transforms of a stratified fit: R's Kaplan–Meier transform is of the pooled data (strata ignored).
        RReference.Close(RReference.Numbers(r["zph_x_km"]), zph.TransformedTime, "cox.zph x km (strata)", 1e-12);
        var identity = new CoxZph(CoxZphTransform.Identity).Fit(fit, d.X, d.Y.Time, d.Y.EventObserved, d.Strata);
        RReference.Close(RReference.Numbers(r["zph_x_identity"]), identity.TransformedTime, "cox.zph x identity (strata)", 0);
        RReference.Close(RReference.Numbers(r["zph_chisq_identity"]), [.. identity.ChiSquare, identity.GlobalChiSquare],
            "cox.zph chi-square identity (strata)", Rel);
        RReference.Close(RReference.Numbers(r["zph_p_identity"]), [.. identity.PValues, identity.GlobalPValue],
            "cox.zph p identity (strata)", Rel);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cox_zph_per_death_values_equal_R(string name, string ties)
    {
        var r = CoxExtrasReference.Block(name, ties)["schoenfeld"]!;
        var d = Columns(name);
        var fit = new CoxRegression(TiesOf(ties)).Fit(d.X, d.Y.Time, d.Y.EventObserved);
        var km = new CoxZph().Fit(fit, d.X, d.Y.Time, d.Y.EventObserved);
        var identity = new CoxZph(CoxZphTransform.Identity).Fit(fit, d.X, d.Y.Time, d.Y.EventObserved);
        RReference.Close(RReference.Numbers(r["zph_time"]), km.Time, "time", 0);
        RReference.Close(RReference.Numbers(r["zph_x_km"]), km.TransformedTime, "x (km)", 1e-12);
        RReference.Close(RReference.Numbers(r["zph_x_identity"]), identity.TransformedTime, "x (identity)", 0);
        CloseRows(CoxExtrasReference.Rows(r["zph_y"]), km.ScaledResiduals, "y");
    }

    [Fact]
    public void Residuals_of_data_that_do_not_match_the_fit_are_typed_errors()
    {
        var d = Columns("lung");
        var fit = new CoxRegression().Fit(d.X, d.Y.Time, d.Y.EventObserved);
        var narrow = d.X.Select(row => new[] { row[0] }).ToArray();
        Assert.Equal("covariates", Assert.Throws<ArgumentException>(() => new CoxSchoenfeld().Fit(fit, narrow, d.Y.Time, d.Y.EventObserved)).ParamName);
        Assert.Equal("covariates", Assert.Throws<ArgumentException>(() => new CoxSchoenfeld().Fit(fit, d.X[1..], d.Y.Time, d.Y.EventObserved)).ParamName);
        var nan = d.X.Select((row, i) => i == 3 ? new[] { double.NaN, row[1] } : row).ToArray();
        Assert.Equal("covariates", Assert.Throws<ArgumentException>(() => new CoxSchoenfeld().Fit(fit, nan, d.Y.Time, d.Y.EventObserved)).ParamName);
        Assert.Throws<NoEventsException>(() => new CoxSchoenfeld().Fit(fit, d.X, d.Y.Time, d.Y.EventObserved.Select(_ => false).ToArray()));
    }
}
