using System.Text.Json;
using Microsoft.Playwright;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>One scatter trace as plotly.js drew it in the SVG.</summary>
/// <param name="Line">A visible line was drawn (a curve; bands have a zero-width outline).</param>
/// <param name="Fill">A filled area was drawn (a confidence band).</param>
/// <param name="Points">Marker paths drawn (censor ticks).</param>
/// <param name="Texts">Text points drawn (at-risk counts).</param>
internal sealed record RenderedTrace(bool Line, bool Fill, int Points, string[] Texts);

/// <summary>What a chart's SVG shows: traces in drawing order, legend entries, the time axis' tick labels and the at-risk table's row labels.</summary>
internal sealed record RenderedChart(string Id, int Svgs, RenderedTrace[] Traces, string[] Legend, string[] XTicks, string[] Y2Ticks, string Annotations)
{
    public RenderedTrace[] Curves => Traces.Where(t => t.Line && !t.Fill).ToArray();
    public RenderedTrace[] CensorTraces => Traces.Where(t => t.Points > 0).ToArray();
    public RenderedTrace[] AtRiskRows => Traces.Where(t => t.Texts.Length > 0).ToArray();

    // Reads the rendered DOM only (not Plotly's data objects), so it checks what a reader sees.
    private const string Probe = """
        () => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
          const text = sel => Array.from(gd.querySelectorAll(sel)).map(e => e.textContent);
          const traces = Array.from(gd.querySelectorAll('.scatterlayer .trace')).map(tr => {
            const line = tr.querySelector('path.js-line');
            const width = line ? parseFloat(getComputedStyle(line).strokeWidth || '0') : 0;
            return {
              line: !!line && (line.getAttribute('d') || '').length > 2 && width > 0,
              fill: !!tr.querySelector('path.js-fill'),
              points: tr.querySelectorAll('.points path.point').length,
              texts: Array.from(tr.querySelectorAll('.textpoint text')).map(t => t.textContent),
            };
          });
          return { id: gd.id, svgs: gd.querySelectorAll('svg.main-svg').length, traces,
                   legend: text('.legend .legendtext'), xticks: text('.xaxislayer-above .xtick text'),
                   y2ticks: text('.yaxislayer-above .y2tick text'), annotations: text('.annotation-text').join(' | ') };
        })
        """;

    public static async Task<RenderedChart[]> ReadAllAsync(IPage page)
    {
        var json = await page.EvaluateAsync<JsonElement>(Probe);
        return json.EnumerateArray().Select(c => new RenderedChart(
            c.GetProperty("id").GetString() ?? "",
            c.GetProperty("svgs").GetInt32(),
            c.GetProperty("traces").EnumerateArray().Select(t => new RenderedTrace(
                t.GetProperty("line").GetBoolean(), t.GetProperty("fill").GetBoolean(), t.GetProperty("points").GetInt32(),
                t.GetProperty("texts").EnumerateArray().Select(x => x.GetString() ?? "").ToArray())).ToArray(),
            Strings(c, "legend"), Strings(c, "xticks"), Strings(c, "y2ticks"), c.GetProperty("annotations").GetString() ?? "")).ToArray();
    }

    private static string[] Strings(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
}
