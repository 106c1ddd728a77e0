using System.Globalization;
using System.Text;
using Spectre.Console;
using VPTSurv.Cli.Runs;
using VPTSurv.Evaluation;
using VPTSurv.Survival;

namespace VPTSurv.Cli.Output;

/// <summary>
/// The test-split comparison of trained models: C-index per slide and per patient with bootstrap intervals, Uno's C,
/// integrated Brier score, and the log-rank p and hazard ratio of the risk groups. Printed, and written as Markdown.
/// </summary>
public static class TestComparisonTable
{
    private static readonly string[] Headers =
        ["model", "test slides (patients, events)", "C per slide [95% CI]", "C per patient [95% CI]", "Uno's C", "IBS", "log-rank p", "HR high/low",
            "train C untrained→best", "val C untrained→best", "learned", "best epoch", "time"];

    /// <summary>One row of cells per run.</summary>
    public static IReadOnlyList<string[]> Rows(IEnumerable<MethodRun> runs) => [.. runs.Select(r => Row(r.Label, r.Test, r.Result.BestEpoch, r.Seconds))];

    /// <summary>
    /// The cells of one model's row. A run that did not learn (<see cref="EvaluationReport.Training"/>) is labelled
    /// so in its name and in the "learned" column; a report without a training run shows "-" there.
    /// </summary>
    public static string[] Row(string label, EvaluationReport t, int bestEpoch, double seconds) =>
    [
        t.DidNotLearn ? $"{label} (DID NOT LEARN)" : label,
        $"{t.Slides} ({t.Patients}, {t.Events})",
        Interval(t.SlideC),
        Interval(t.PatientC),
        t.UnoC is { } u ? F(u.CIndex) : "n/a",
        t.Brier is { } b ? F(b.Integrated) : "n/a",
        t.Groups is { } g && double.IsFinite(g.LogRankP) ? P(g.LogRankP) : "n/a",
        t.Groups is { } h && double.IsFinite(h.HazardRatio) ? $"{h.HazardRatio.ToString("F2", CultureInfo.InvariantCulture)} [{h.HazardRatioLower.ToString("F2", CultureInfo.InvariantCulture)}, {h.HazardRatioUpper.ToString("F2", CultureInfo.InvariantCulture)}]" : "n/a",
        t.Training is { } c ? $"{F(c.Untrained.TrainC)}→{F(double.IsFinite(c.SelectedTrainC) ? c.SelectedTrainC : c.BestTrainC)}" : "-",
        t.Training is { } v ? $"{F(v.Untrained.ValidationC)}→{F(v.BestValidationC)}" : "-",
        t.Training is { } l ? (l.DidNotLearn ? $"NO (margin {F(l.Learning.Margin)})" : "yes") : "-",
        bestEpoch.ToString(CultureInfo.InvariantCulture),
        TimeSpan.FromSeconds(seconds).ToString(@"m\:ss", CultureInfo.InvariantCulture),
    ];

    /// <summary>The table for the console.</summary>
    public static Table ToTable(IReadOnlyList<string[]> rows, string title)
    {
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded);
        foreach (var h in Headers) table.AddColumn(new TableColumn(Markup.Escape(h)));
        foreach (var r in rows) table.AddRow([.. r.Select(Markup.Escape)]);
        return table;
    }

    /// <summary>The table as GitHub Markdown.</summary>
    public static string ToMarkdown(IReadOnlyList<string[]> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", Headers).AppendLine(" |");
        sb.Append('|').AppendJoin("", Headers.Select(_ => "---|")).AppendLine();
        foreach (var r in rows) sb.Append("| ").AppendJoin(" | ", r).AppendLine(" |");
        return sb.ToString();
    }

    private static string Interval(BootstrapInterval? c) =>
        c is null ? "n/a" : $"{F(c.Estimate)} [{F(c.Lower)}, {F(c.Upper)}]";

    private static string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    private static string P(double p) => p < 1e-4 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("F4", CultureInfo.InvariantCulture);
}
