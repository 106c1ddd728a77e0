using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts;
using VPTSurv.Model;
using VPTSurv.Runtime;
using VPTSurv.Survival;

namespace VPTSurv.Interactive;

/// <summary>HTML formatters for VPTSurv's results in a notebook; the extension registers them on load.</summary>
public static class NotebookFormatters
{
    /// <summary>The MIME type the formatters produce.</summary>
    public const string Html = "text/html";

    /// <summary>Registers every formatter with dotnet-interactive's <see cref="Formatter"/>. Idempotent.</summary>
    public static void Register()
    {
        Formatter.Register<KaplanMeierChart>(chart => NotebookPlotly.Html(chart.ToPlotlyJson()), Html);
        Formatter.Register<KaplanMeierCurve>(SurvivalHtml.Curve, Html);
        Formatter.Register<KaplanMeierResult>(SurvivalHtml.KaplanMeier, Html);
        Formatter.Register<LogRankResult>(SurvivalHtml.LogRank, Html);
        Formatter.Register<CoxFit>(SurvivalHtml.Cox, Html);
        Formatter.Register<ConcordanceResult>(SurvivalHtml.Concordance, Html);
        Formatter.Register<RuntimeDiagnostics>(Diagnostics, Html);
        Formatter.Register<ParameterReport>(ModelHtml.Parameters, Html);
        foreach (var type in new[] { typeof(KaplanMeierChart), typeof(KaplanMeierCurve), typeof(KaplanMeierResult), typeof(LogRankResult),
                     typeof(CoxFit), typeof(ConcordanceResult), typeof(RuntimeDiagnostics), typeof(ParameterReport) })
            Formatter.SetPreferredMimeTypesFor(type, Html);
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
