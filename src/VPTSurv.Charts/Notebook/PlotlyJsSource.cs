namespace VPTSurv.Charts.Notebook;

/// <summary>Where a notebook chart gets plotly.js from.</summary>
public enum PlotlyJsSource
{
    /// <summary>
    /// Offline: the first chart of a kernel session embeds plotly.js (about 3.6 MB, from the Plotly.NET package);
    /// later charts reuse it, and wait for it when they are shown before it.
    /// </summary>
    EmbedOnce,

    /// <summary>Offline and self-contained: every chart embeds plotly.js (it runs once per page). For notebooks whose outputs are cleared and saved.</summary>
    EmbedEvery,

    /// <summary>Small notebooks: every chart loads plotly.js from the CDN once per page (needs network).</summary>
    Cdn,
}
