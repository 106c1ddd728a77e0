using System.Globalization;
using VPTSurv.Charts.KaplanMeier;

namespace VPTSurv.Interactive;

/// <summary>HTML summaries of survival results, as shown by the notebook formatters.</summary>
public static class SurvivalHtml
{
    /// <summary>A Kaplan–Meier curve: size, events and median, then S(t) with its interval and the number at risk at round times.</summary>
    public static string Curve(KaplanMeierCurve curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var summary = new HtmlTable(["group", "n", "events", "median survival"])
            .Row(curve.Label, I(curve.Count), I(curve.EventCount), curve.MedianTime is { } m ? ChartText.Number(m) : "not reached");
        var table = new HtmlTable(["time", "at risk", "S(t)", "lower", "upper"], $"Kaplan–Meier estimate, {curve.Label}");
        foreach (var t in ChartText.NiceTicks(curve.LastTime))
        {
            var row = curve.Steps.LastOrDefault(s => s.Time <= t);
            table.Row(ChartText.Number(t), I(curve.AtRiskAt(t)), ChartText.Number(curve.SurvivalAt(t)),
                row is null ? "1" : ChartText.Number(row.Lower), row is null ? "1" : ChartText.Number(row.Upper));
        }
        return $"<div class=\"vptsurv-km\">{summary}{table}</div>";
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
