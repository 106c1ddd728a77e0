using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VPTSurv.Charts.Notebook;

/// <summary>
/// The HTML of a Plotly figure in a notebook output: a div and scripts that draw the figure once plotly.js is on the
/// page, loading plotly.js themselves.
/// </summary>
/// <remarks>
/// Notebook front ends (VS Code, JupyterLab, Jupyter classic, and an exported HTML file) put all outputs of a notebook
/// in one page, so plotly.js loaded by one output serves the others. Every chart therefore:
/// <list type="bullet">
/// <item>draws at once when <c>window.Plotly</c> is there (a chart after the one that brought the library, or the
/// library still on the page after its cell was cleared or re-run);</item>
/// <item>otherwise queues its drawing on a page-wide queue (<c>window.__vptsurvPlotly</c>), which the embedded library
/// empties when it runs (outputs shown out of order), or loads the library from the CDN once per page
/// (<see cref="PlotlyJsSource.Cdn"/>);</item>
/// <item>when the embedded library runs, it hides an AMD <c>define</c> (require.js in Jupyter classic) for the
/// moment, so plotly.js sets <c>window.Plotly</c> rather than registering an anonymous module, and it runs only once
/// per page;</item>
/// <item>says in its own box, instead of staying blank, when no plotly.js arrived within a few seconds.</item>
/// </list>
/// </remarks>
public static class PlotlyNotebookHtml
{
    /// <summary>The page-wide global holding the queue of charts waiting for plotly.js.</summary>
    public const string QueueGlobal = "__vptsurvPlotly";

    /// <summary>Seconds a chart waits for plotly.js before it shows why it cannot draw.</summary>
    public const int WaitSeconds = 8;

    /// <summary>The output HTML of a figure.</summary>
    /// <param name="figureJson">The figure as Plotly JSON ({"data": …, "layout": …}), e.g. Plotly.NET's <c>GenericChart.toFigureJson</c>.</param>
    /// <param name="embedLibrary">Embed plotly.js in this output (offline).</param>
    /// <param name="source">Where plotly.js comes from when it is not embedded here (<see cref="PlotlyJsSource.Cdn"/> loads it from the CDN).</param>
    /// <param name="id">The div's id; null makes a fresh one.</param>
    public static string Fragment(string figureJson, bool embedLibrary, PlotlyJsSource source, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(figureJson);
        using (JsonDocument.Parse(figureJson)) { } // a figure that is not JSON fails here, not in the browser
        id ??= "vptsurv-plot-" + Guid.NewGuid().ToString("N");
        var sb = new StringBuilder();
        sb.Append("<div class=\"vptsurv-plot\"><div id=\"").Append(id).Append("\"></div>");
        if (embedLibrary) sb.Append(LibraryScript());
        sb.Append("<script type=\"text/javascript\">\n(function () {\n")
          .Append("  var id = ").Append(JsString(id)).Append(", figure = ").Append(ScriptSafe(figureJson)).Append(";\n")
          .Append("  var cdn = ").Append(source == PlotlyJsSource.Cdn ? JsString(PlotlyJsLibrary.CdnUrl) : "null").Append(", w = window;\n")
          .Append(DrawScript)
          .Append("})();\n</script></div>");
        return sb.ToString();
    }

    /// <summary>A script that runs the embedded plotly.js once per page and then draws every queued chart.</summary>
    public static string LibraryScript() =>
        "<script type=\"text/javascript\">\n(function () {\n  var w = window;\n  if (!(w.Plotly && w.Plotly.newPlot)) {\n"
        + "    var amd = w.define;\n    w.define = undefined; // plotly.js must set window.Plotly, not register an anonymous AMD module\n"
        + "    try {\n" + ScriptSafe(PlotlyJsLibrary.Text) + "\n    } finally { w.define = amd; }\n  }\n"
        + $"  var q = w.{QueueGlobal} = w.{QueueGlobal} || [];\n  while (q.length) q.shift()();\n}}).call(window);\n</script>";

    // Draw now, or queue; with a CDN, load it once per page; after the wait, say why nothing is drawn.
    private static readonly string DrawScript = $$"""
          var q = w.{{QueueGlobal}} = w.{{QueueGlobal}} || [];
          function draw() {
            var el = document.getElementById(id);
            if (!el || el.getAttribute('data-drawn')) return;
            el.setAttribute('data-drawn', '1');
            el.innerHTML = '';
            w.Plotly.newPlot(el, figure.data, figure.layout, figure.config || { responsive: true, displaylogo: false });
          }
          if (w.Plotly && w.Plotly.newPlot) { draw(); return; }
          q.push(draw);
          if (cdn && !w.{{QueueGlobal}}Cdn) {
            w.{{QueueGlobal}}Cdn = true;
            var s = document.createElement('script');
            s.src = cdn;
            s.onload = function () { while (q.length) q.shift()(); };
            var amd = w.define;
            if (amd && amd.amd) { w.define = undefined; s.onload = function () { w.define = amd; while (q.length) q.shift()(); }; }
            document.head.appendChild(s);
          }
          setTimeout(function () {
            if (w.Plotly && w.Plotly.newPlot) return;
            var el = document.getElementById(id);
            if (el && !el.getAttribute('data-drawn'))
              el.textContent = 'This chart needs plotly.js, which is not on this page: the output that carried it was cleared, or (CDN) there is no network. '
                + 'Re-run this cell after VPTSurv.Interactive.NotebookPlotly.Source = PlotlyJsSource.EmbedEvery (or NotebookPlotly.Reset()).';
          }, {{WaitSeconds * 1000}});

        """;

    // JSON is valid JavaScript; "</" could close the script element early.
    private static string ScriptSafe(string js) => js.Replace("</", "<\\/", StringComparison.Ordinal);

    private static string JsString(string s) => JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = JavaScriptEncoder.Default });
}
