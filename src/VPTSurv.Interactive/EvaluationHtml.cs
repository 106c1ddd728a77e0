using VPTSurv.Charts;
using VPTSurv.Evaluation;

namespace VPTSurv.Interactive;

/// <summary>HTML of an evaluation report: its metrics in one table, the notes, and the risk-group chart.</summary>
public static class EvaluationHtml
{
    /// <summary>One row per metric (estimate and interval), the risk groups, the notes on what could not be computed, and the chart.</summary>
    public static string Report(EvaluationReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var table = new HtmlTable(["metric", "value", "interval / detail"],
            $"Evaluation of the {r.Split} split: {r.Slides} slides, {r.Patients} patients, {r.Events} events");
        if (r.SlideC is { } s) table.Row("Harrell's C per slide", Fmt.N(s.Estimate, 4), $"{Fmt.Percent(s.Level)} CI {Fmt.N(s.Lower, 4)} – {Fmt.N(s.Upper, 4)}");
        if (r.PatientC is { } p) table.Row("Harrell's C per patient", Fmt.N(p.Estimate, 4), $"{Fmt.Percent(p.Level)} CI {Fmt.N(p.Lower, 4)} – {Fmt.N(p.Upper, 4)}");
        if (r.UnoC is { } u) table.Row("Uno's C", Fmt.N(u.CIndex, 4), $"τ = {Fmt.N(u.Tau)}");
        if (r.Auc is { } a) table.Row("time-dependent AUC (mean)", Fmt.N(a.MeanAuc, 4), string.Join(", ", a.Times.Select((t, k) => $"AUC({Fmt.N(t)}) = {Fmt.N(a.Auc[k], 3)}")));
        if (r.Brier is { } b) table.Row("integrated Brier score", Fmt.N(b.Integrated, 4), $"over {Fmt.N(b.Times.FirstOrDefault())} – {Fmt.N(b.Times.LastOrDefault())}");
        if (r.Groups is { } g)
        {
            table.Row("risk groups (cut at training median risk)", $"{g.LowCount} low / {g.HighCount} high", $"cut {Fmt.N(g.Threshold, 4)}");
            table.Row("log-rank p (high vs low)", Fmt.P(g.LogRankP), "");
            table.Row("hazard ratio (high vs low)", Fmt.N(g.HazardRatio, 2), $"95% CI {Fmt.N(g.HazardRatioLower, 2)} – {Fmt.N(g.HazardRatioUpper, 2)}");
        }
        var notes = r.Notes.Count == 0 ? "" : "<ul class=\"vptsurv-notes\">" + string.Concat(r.Notes.Select(n => $"<li>{HtmlTable.Encode(n)}</li>")) + "</ul>";
        var chart = GroupsChart(r.Groups, $"Risk groups of the {r.Split} split (cut at the training median risk)");
        return $"<div class=\"vptsurv-evaluation\">{table}{notes}{chart}</div>";
    }

    /// <summary>The risk groups: counts, log-rank p, hazard ratio, and the chart when both groups have subjects.</summary>
    public static string Groups(RiskGroups g)
    {
        ArgumentNullException.ThrowIfNull(g);
        var table = new HtmlTable(["cut (training median risk)", "low risk", "high risk", "log-rank p", "HR high vs low", "95% CI"])
            .Row(Fmt.N(g.Threshold, 4), Fmt.I(g.LowCount), Fmt.I(g.HighCount), Fmt.P(g.LogRankP), Fmt.N(g.HazardRatio, 2),
                $"{Fmt.N(g.HazardRatioLower, 2)} – {Fmt.N(g.HazardRatioUpper, 2)}");
        return $"<div class=\"vptsurv-groups\">{table}{GroupsChart(g, "Risk groups (cut at the training median risk)")}</div>";
    }

    private static string GroupsChart(RiskGroups? g, string title) =>
        g is { Low: not null, High: not null } ? NotebookPlotly.Html(g.Chart(new KaplanMeierChartOptions(Title: title)).ToPlotlyJson()) : "";
}
