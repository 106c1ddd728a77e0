using System.Globalization;
using Microsoft.FSharp.Core;
using Plotly.NET;

namespace VPTSurv.Charts;

/// <summary>Builds the Plotly.NET figure of a <see cref="KaplanMeierChart"/>.</summary>
/// <remarks>
/// Traces and layout are Plotly.NET's dynamic objects filled with plotly.js attribute names, which keeps every
/// attribute of plotly.js reachable from C#. Layout: the curves on axes (x, y) in the upper part; the at-risk table as
/// text traces on (x, y2) in the lower part, so its columns share the time axis and stay aligned under its ticks.
/// </remarks>
internal static class KaplanMeierPlotly
{
    // Fractions of the figure height: curve area on top, at-risk table at the bottom, the time axis between them.
    private const double TableTop = 0.2, CurveBottom = 0.36;

    public static GenericChart Build(KaplanMeierChart chart)
    {
        var o = chart.Options;
        var ticks = chart.AtRiskTimes;
        var traces = new List<Trace>();
        for (int g = 0; g < chart.Groups.Count; g++)
        {
            var group = chart.Groups[g];
            var color = KaplanMeierChartOptions.Palette[g % KaplanMeierChartOptions.Palette.Count];
            if (o.ConfidenceBands) traces.Add(Band(group, color));
            var (x, y) = group.StepPath();
            traces.Add(Scatter(new()
            {
                ["x"] = x, ["y"] = y, ["mode"] = "lines", ["name"] = KaplanMeierChart.LegendText(group),
                ["legendgroup"] = group.Label, ["line"] = new Dictionary<string, object> { ["color"] = color, ["width"] = 2.5 },
                ["hovertemplate"] = $"{Escape(group.Label)}<br>t = %{{x}}<br>S(t) = %{{y:.3f}}<extra></extra>",
            }));
            if (o.CensorTicks && group.CensorMarks() is { X.Length: > 0 } marks)
                traces.Add(Scatter(new()
                {
                    ["x"] = marks.X, ["y"] = marks.Y, ["mode"] = "markers", ["showlegend"] = false, ["legendgroup"] = group.Label,
                    ["name"] = $"{group.Label} censored",
                    ["marker"] = new Dictionary<string, object>
                    {
                        ["symbol"] = "line-ns-open", ["size"] = 9, ["color"] = color,
                        ["line"] = new Dictionary<string, object> { ["width"] = 1.5, ["color"] = color },
                    },
                    ["hovertemplate"] = $"{Escape(group.Label)} censored<br>t = %{{x}}<extra></extra>",
                }));
        }
        var layout = new Layout();
        var xMax = Math.Max(chart.MaxTime, ticks[^1]) * 1.03;
        layout.SetProperty("title", new Dictionary<string, object> { ["text"] = Escape(o.Title), ["x"] = 0.5 });
        layout.SetProperty("width", o.Width);
        layout.SetProperty("height", o.Height);
        layout.SetProperty("template", "none");
        layout.SetProperty("paper_bgcolor", "white");
        layout.SetProperty("plot_bgcolor", "white");
        layout.SetProperty("margin", new Dictionary<string, object> { ["l"] = 150, ["r"] = 30, ["t"] = 60, ["b"] = 20 });
        layout.SetProperty("xaxis", new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = Escape(o.TimeLabel) },
            ["range"] = new[] { -0.04 * xMax, xMax }, ["tickmode"] = "array", ["tickvals"] = ticks.ToArray(),
            ["ticktext"] = ticks.Select(Tick).ToArray(), ["anchor"] = "y", ["showline"] = true, ["linecolor"] = "#444",
            ["ticks"] = "outside", ["zeroline"] = false, ["showgrid"] = false,
        });
        layout.SetProperty("yaxis", new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = Escape(o.SurvivalLabel) },
            ["domain"] = new[] { o.AtRiskTable ? CurveBottom : 0.0, 1.0 }, ["range"] = new[] { 0.0, 1.03 },
            ["tickformat"] = ".1f", ["showline"] = true, ["linecolor"] = "#444", ["ticks"] = "outside",
            ["gridcolor"] = "#e8e8e8", ["zeroline"] = false,
        });
        var annotations = new List<Dictionary<string, object>>();
        if (o.AtRiskTable)
        {
            var counts = chart.AtRiskCounts();
            for (int g = 0; g < chart.Groups.Count; g++)
            {
                var color = KaplanMeierChartOptions.Palette[g % KaplanMeierChartOptions.Palette.Count];
                traces.Add(Scatter(new()
                {
                    ["x"] = ticks.ToArray(), ["y"] = Enumerable.Repeat(g, ticks.Count).ToArray(), ["yaxis"] = "y2",
                    ["mode"] = "text", ["text"] = counts[g].Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray(),
                    ["textfont"] = new Dictionary<string, object> { ["color"] = color, ["size"] = 13 },
                    ["showlegend"] = false, ["hoverinfo"] = "skip", ["name"] = $"{chart.Groups[g].Label} at risk",
                }));
            }
            layout.SetProperty("yaxis2", new Dictionary<string, object>
            {
                ["domain"] = new[] { 0.0, TableTop }, ["anchor"] = "x",
                ["range"] = new[] { chart.Groups.Count - 0.5, -0.5 }, ["tickmode"] = "array",
                ["tickvals"] = Enumerable.Range(0, chart.Groups.Count).ToArray(),
                ["ticktext"] = chart.Groups.Select(g => Escape(g.Label)).ToArray(),
                ["showgrid"] = false, ["zeroline"] = false, ["showline"] = false, ["fixedrange"] = true,
            });
            annotations.Add(new()
            {
                ["text"] = "<b>Number at risk</b>", ["xref"] = "paper", ["yref"] = "paper", ["x"] = 0, ["y"] = TableTop + 0.01,
                ["xanchor"] = "right", ["yanchor"] = "bottom", ["showarrow"] = false,
            });
        }
        var stats = chart.StatisticsLines();
        if (stats.Count > 0)
            annotations.Add(new()
            {
                ["text"] = string.Join("<br>", stats.Select(Escape)), ["xref"] = "paper", ["yref"] = "paper",
                ["x"] = 0.99, ["y"] = 0.79, ["xanchor"] = "right", ["yanchor"] = "top", ["align"] = "left",
                ["showarrow"] = false, ["bgcolor"] = "rgba(255,255,255,0.9)", ["bordercolor"] = "#888", ["borderpad"] = 5,
            });
        layout.SetProperty("annotations", annotations);
        layout.SetProperty("legend", new Dictionary<string, object>
        {
            ["x"] = 0.99, ["y"] = 1.0, ["xanchor"] = "right", ["yanchor"] = "top",
            ["bgcolor"] = "rgba(255,255,255,0.9)", ["bordercolor"] = "#888", ["borderwidth"] = 1,
        });
        return GenericChart.addLayout(layout, GenericChart.ofTraceObjects(false, traces));
    }

    /// <summary>A standalone HTML document; plotly.js embedded (offline) or from the CDN.</summary>
    public static string Document(KaplanMeierChart chart, bool offline)
    {
        // Without a reference Plotly.NET's default applies: plotly.js from its CDN.
        var display = DisplayOptions.init(
            FSharpOption<string>.Some(chart.Options.Title), null, null, null, null, null,
            offline ? FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full) : null);
        return GenericChart.toEmbeddedHTML(GenericChart.addDisplayOptions(display, Build(chart)));
    }

    public static string FigureJson(KaplanMeierChart chart) => GenericChart.toFigureJson(Build(chart));

    private static Trace Band(KaplanMeierCurve group, string color)
    {
        var (x, upper) = group.StepPath(StepValue.Upper);
        var (_, lower) = group.StepPath(StepValue.Lower);
        // One closed polygon: along the upper limit, back along the lower one.
        return Scatter(new()
        {
            ["x"] = x.Concat(x.Reverse()).ToArray(), ["y"] = upper.Concat(lower.Reverse()).ToArray(),
            ["mode"] = "lines", ["fill"] = "toself", ["fillcolor"] = Rgba(color, 0.15),
            ["line"] = new Dictionary<string, object> { ["width"] = 0, ["color"] = Rgba(color, 0) },
            ["hoverinfo"] = "skip", ["showlegend"] = false, ["legendgroup"] = group.Label, ["name"] = $"{group.Label} CI",
        });
    }

    private static Trace Scatter(Dictionary<string, object> attributes)
    {
        var trace = new Trace2D("scatter");
        foreach (var (k, v) in attributes) trace.SetProperty(k, v);
        return trace;
    }

    private static string Tick(double t) => t.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string Rgba(string hex, double alpha)
    {
        int r = Convert.ToInt32(hex[1..3], 16), g = Convert.ToInt32(hex[3..5], 16), b = Convert.ToInt32(hex[5..7], 16);
        return $"rgba({r},{g},{b},{alpha.ToString(CultureInfo.InvariantCulture)})";
    }

    // plotly.js renders a subset of HTML in text; user labels are text, not markup (non-ASCII stays as it is).
    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
