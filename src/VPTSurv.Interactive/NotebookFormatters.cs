using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts.KaplanMeier;

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
        Formatter.SetPreferredMimeTypesFor(typeof(KaplanMeierChart), Html);
        Formatter.SetPreferredMimeTypesFor(typeof(KaplanMeierCurve), Html);
    }
}
