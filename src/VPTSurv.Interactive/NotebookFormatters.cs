using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts;
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
        Formatter.Register<KaplanMeierChart>(chart => chart.ToNotebookHtml(), Html);
        Formatter.Register<KaplanMeierCurve>(SurvivalHtml.Curve, Html);
        Formatter.Register<KaplanMeierResult>(SurvivalHtml.KaplanMeier, Html);
        Formatter.Register<LogRankResult>(SurvivalHtml.LogRank, Html);
        Formatter.Register<CoxFit>(SurvivalHtml.Cox, Html);
        Formatter.Register<ConcordanceResult>(SurvivalHtml.Concordance, Html);
        foreach (var type in new[] { typeof(KaplanMeierChart), typeof(KaplanMeierCurve), typeof(KaplanMeierResult), typeof(LogRankResult), typeof(CoxFit), typeof(ConcordanceResult) })
            Formatter.SetPreferredMimeTypesFor(type, Html);
    }
}
