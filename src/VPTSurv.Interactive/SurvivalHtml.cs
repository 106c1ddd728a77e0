using System.Globalization;
using VPTSurv.Charts;
using VPTSurv.Survival;

namespace VPTSurv.Interactive;

/// <summary>HTML summaries of survival results, as shown by the notebook formatters. Numbers use the invariant culture.</summary>
public static class SurvivalHtml
{
    /// <summary>A chart curve: size, events and median, then S(t) with its interval and the number at risk at round times.</summary>
    public static string Curve(KaplanMeierCurve curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var summary = new HtmlTable(["group", "n", "events", "median survival"])
            .Row(curve.Label, I(curve.Count), I(curve.EventCount), curve.MedianTime is { } m ? N(m) : "not reached");
        var table = new HtmlTable(["time", "at risk", "S(t)", "lower", "upper"], $"Kaplan–Meier estimate, {curve.Label}");
        foreach (var t in ChartText.NiceTicks(curve.LastTime))
        {
            var row = curve.Steps.LastOrDefault(s => s.Time <= t);
            table.Row(N(t), I(curve.AtRiskAt(t)), N(curve.SurvivalAt(t)), row is null ? "1" : N(row.Lower), row is null ? "1" : N(row.Upper));
        }
        return $"<div class=\"vptsurv-km\">{summary}{table}</div>";
    }

    /// <summary>A fitted Kaplan–Meier estimate: size, events, median with its interval, the life table at round times, and its chart.</summary>
    public static string KaplanMeier(KaplanMeierResult km)
    {
        ArgumentNullException.ThrowIfNull(km);
        int n = km.AtRisk.Length > 0 ? km.AtRisk[0] : 0;
        var level = Percent(km.Level);
        var summary = new HtmlTable(["n", "events", "median", $"median {level} CI", "band"])
            .Row(I(n), I(km.Events.Sum()), Median(km.Median), $"{N(km.MedianLower)} – {N(km.MedianUpper)}", km.Band.ToString());
        var last = km.Time.Length > 0 ? km.Time[^1] : 0;
        var table = new HtmlTable(["time", "at risk", "events", "censored", "S(t)", "std err", "lower", "upper"], "Life table (events and censorings since the previous row)");
        foreach (var r in km.Table(ChartText.NiceTicks(last)))
            table.Row(N(r.Time), I(r.AtRisk), I(r.Events), I(r.Censored), N(r.Survival), N(r.StdErr), N(r.Lower), N(r.Upper));
        var chart = km.Time.Length == 0 ? "" : NotebookPlotly.Html(km.Chart().ToPlotlyJson());
        return $"<div class=\"vptsurv-km\">{summary}{table}{chart}</div>";
    }

    /// <summary>A log-rank test: observed and expected deaths per group, the statistic and the p-value.</summary>
    public static string LogRank(LogRankResult test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var table = new HtmlTable(["group", "observed", "expected", "(O−E)²/E"],
            $"Log-rank test: χ² = {N(test.ChiSquare)} on {test.DegreesOfFreedom} df, p = {ChartText.PValue(test.PValue)}");
        for (int g = 0; g < test.Groups.Length; g++)
            table.Row(test.Groups[g], N(test.Observed[g]), N(test.Expected[g]),
                N(Math.Pow(test.Observed[g] - test.Expected[g], 2) / test.Expected[g]));
        return table.ToString();
    }

    /// <summary>A Cox fit: coefficient, hazard ratio with interval, z and p per covariate, and the likelihood-ratio test.</summary>
    public static string Cox(CoxFit fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var level = Percent(fit.Level);
        var table = new HtmlTable(["covariate", "coef", "HR", $"HR lower {level}", $"HR upper {level}", "se(coef)", "z", "p"],
            $"Cox regression ({fit.Ties} ties): likelihood ratio {N(fit.LikelihoodRatio)} on {fit.Names.Length} df, p = {ChartText.PValue(fit.LikelihoodRatioPValue)}"
            + (fit.Converged ? "" : $"; did NOT converge in {fit.Iterations} iterations"));
        for (int j = 0; j < fit.Names.Length; j++)
            table.Row(fit.Names[j], N(fit.Coefficients[j]), N(fit.HazardRatios[j]), N(fit.Lower[j]), N(fit.Upper[j]),
                N(fit.StdErrors[j]), N(fit.Z[j]), ChartText.PValue(fit.PValues[j]));
        return table.ToString();
    }

    /// <summary>Harrell's C with its pair counts.</summary>
    public static string Concordance(ConcordanceResult c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new HtmlTable(["C-index", "comparable", "concordant", "discordant", "tied risk", "tied time", "tied time and risk"])
            .Row(N(c.CIndex, 4), L(c.Comparable), L(c.Concordant), L(c.Discordant), L(c.TiedRisk), L(c.TiedTime), L(c.TiedTimeAndRisk))
            .ToString();
    }

    private static string Median(double m) => double.IsNaN(m) ? "not reached" : N(m);
    private static string Percent(double level) => (level * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    private static string N(double v) => ChartText.Number(v);
    private static string N(double v, int decimals) => ChartText.Number(v, decimals);
    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string L(long v) => v.ToString(CultureInfo.InvariantCulture);
}
