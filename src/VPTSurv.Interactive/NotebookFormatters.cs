using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Runtime;
using VPTSurv.Survival;
using VPTSurv.Training;

namespace VPTSurv.Interactive;

/// <summary>HTML formatters for VPTSurv's results in a notebook; the extension registers them on load.</summary>
/// <remarks>
/// One line per result type, each pointing at a small per-area writer (SurvivalHtml, ConcordanceHtml, AccuracyHtml,
/// EvaluationHtml, TrainingHtml, ModelHtml). Numbers are rounded for display only: the objects keep full precision,
/// and <see cref="DataFrameConversions"/> gives them as tables of numbers.
/// </remarks>
public static class NotebookFormatters
{
    /// <summary>The MIME type the formatters produce.</summary>
    public const string Html = "text/html";

    /// <summary>Registers every formatter with dotnet-interactive's <see cref="Formatter"/>. Idempotent.</summary>
    public static void Register()
    {
        Add<KaplanMeierChart>(chart => NotebookPlotly.Html(chart.ToPlotlyJson()));
        Add<TrainingHistoryChart>(chart => NotebookPlotly.Html(chart.ToPlotlyJson()));
        Add<KaplanMeierCurve>(SurvivalHtml.Curve);
        Add<KaplanMeierResult>(SurvivalHtml.KaplanMeier);
        Add<LogRankResult>(SurvivalHtml.LogRank);
        Add<CoxFit>(SurvivalHtml.Cox);
        Add<ConcordanceResult>(SurvivalHtml.Concordance);
        Add<BootstrapInterval>(ConcordanceHtml.Interval);
        Add<UnoConcordanceResult>(ConcordanceHtml.Uno);
        Add<TimeDependentAucResult>(AccuracyHtml.Auc);
        Add<BrierScoreResult>(AccuracyHtml.Brier);
        Add<RiskGroups>(EvaluationHtml.Groups);
        Add<EvaluationReport>(EvaluationHtml.Report);
        Add<TrainingResult>(TrainingHtml.Result);
        Add<EpochRecord[]>(h => TrainingHtml.History(h));
        Add<List<EpochRecord>>(h => TrainingHtml.History(h));
        Add<ComparisonTable>(t => t.ToHtml());
        Add<RuntimeDiagnostics>(Diagnostics);
        Add<ParameterReport>(ModelHtml.Parameters);
        // Every other survival result (and a bare summary table): its Summary as a table. Registered for the interface,
        // so the dedicated formatters above stay the more specific match.
        Add<ISurvivalResult>(SummaryHtml.Result);
        Add<SurvivalTable>(SummaryHtml.Table);
    }

    private static void Add<T>(Func<T, string> html)
    {
        Formatter.Register<T>(html, Html);
        Formatter.SetPreferredMimeTypesFor(typeof(T), Html);
    }

    /// <summary>The runtime description as a two-column table (versions, threads, devices, native backend).</summary>
    public static string Diagnostics(RuntimeDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var table = new HtmlTable(["item", "value"], "VPTSurv runtime");
        foreach (var (name, value) in diagnostics.Rows()) table.Row(name, value);
        return table.ToString();
    }
}
