using VPTSurv.Charts.Notebook;
using VPTSurv.Interactive;
using Xunit;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>
/// The chart outputs as the kernel writes them (the first carries plotly.js, later ones do not), laid out in pages the
/// way notebook front ends show them, opened offline in Chromium: every chart must be drawn however the outputs are
/// ordered, with require.js on the page, and after the output that carried the library was removed from a live page.
/// </summary>
[Trait("Category", "Browser")]
[Collection("dotnet-interactive formatters")]
public class NotebookPlotlyBrowserTests
{
    private static (string First, string Second, string Third) KernelOutputs()
    {
        NotebookPlotly.Source = PlotlyJsSource.EmbedOnce; // also resets the session
        var chart = LungFixture.Chart();
        string Output(object command, string code) => PlotlyNotebookHtml.Fragment(chart.ToPlotlyJson(), NotebookPlotly.ShouldEmbed(command, code), PlotlyJsSource.EmbedOnce);
        var outputs = (Output(new object(), "chart"), Output(new object(), "chart2"), Output(new object(), "chart3"));
        NotebookPlotly.Reset();
        return outputs;
    }

    private static async Task<(ChromiumPage Page, RenderedChart[] Charts)> Open(string body, int charts, string? head = null)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("vptsurv-plotly-page-").FullName, "page.html");
        File.WriteAllText(file, $"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>");
        var page = await ChromiumPage.OpenAsync(file);
        await page.WaitForChartsAsync(charts, 15_000);
        return (page, await RenderedChart.ReadAllAsync(page.Page));
    }

    private static string Cell(string html) => $"<div class=\"output\">{html}</div>";

    [Fact]
    public void Only_the_first_chart_of_a_session_and_reruns_of_its_cell_carry_plotly_js()
    {
        var (first, second, _) = KernelOutputs();
        Assert.Contains("plotly.js v" + PlotlyJsLibrary.Version, first);
        Assert.DoesNotContain("plotly.js v", second);
        Assert.True(second.Length < first.Length / 50, $"a later chart is {second.Length} characters; it must not carry the library");

        NotebookPlotly.Reset();
        object run1 = new(), run2 = new(), other = new();
        Assert.True(NotebookPlotly.ShouldEmbed(run1, "km.Chart()"));
        Assert.False(NotebookPlotly.ShouldEmbed(run1, "km.Chart()"));   // a second chart of the same run
        Assert.False(NotebookPlotly.ShouldEmbed(other, "other cell"));
        Assert.True(NotebookPlotly.ShouldEmbed(run2, "km.Chart()"));    // the carrying cell re-run replaces its output
        NotebookPlotly.Source = PlotlyJsSource.EmbedEvery;
        Assert.True(NotebookPlotly.ShouldEmbed(other, "other cell"));
        NotebookPlotly.Source = PlotlyJsSource.Cdn;
        Assert.False(NotebookPlotly.ShouldEmbed(run1, "km.Chart()"));
        NotebookPlotly.Source = PlotlyJsSource.EmbedOnce;
    }

    [ChromiumFact]
    public async Task Charts_render_offline_in_output_order_and_out_of_order()
    {
        var (first, second, third) = KernelOutputs();
        foreach (var body in new[] { Cell(first) + Cell(second) + Cell(third), Cell(second) + Cell(third) + Cell(first) })
        {
            var (page, charts) = await Open(body, 3);
            await using var _ = page;
            Assert.Equal(3, charts.Length);
            Assert.All(charts, c => Assert.Equal(LungFixture.Curves.Count, c.Curves.Length));
            Assert.Empty(page.Errors);
        }
    }

    [ChromiumFact]
    public async Task Charts_render_when_require_js_defines_an_AMD_loader_and_leave_it_in_place()
    {
        var (first, second, _) = KernelOutputs();
        const string requireLike = "<script>window.define = function () { throw new Error('anonymous define() called'); }; window.define.amd = {};</script>";
        var (page, charts) = await Open(Cell(first) + Cell(second), 2, requireLike);
        await using var _ = page;
        Assert.Equal(2, charts.Count(c => c.Svgs > 0));
        Assert.True(await page.Page.EvaluateAsync<bool>("() => typeof window.define === 'function' && !!window.define.amd"));
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task A_chart_added_after_the_library_output_was_cleared_from_a_live_page_renders()
    {
        var (first, second, third) = KernelOutputs();
        var (page, charts) = await Open(Cell(first) + Cell(second), 2);
        await using var _ = page;
        Assert.Equal(2, charts.Count(c => c.Svgs > 0));
        // Clear the first output, then show a new one as JupyterLab and VS Code do: markup set, then its scripts re-created.
        await page.Page.EvaluateAsync("""
            html => {
              document.querySelector('.output').remove();
              const out = document.createElement('div'); out.className = 'output'; out.innerHTML = html; document.body.appendChild(out);
              out.querySelectorAll('script').forEach(old => { const s = document.createElement('script'); s.text = old.text; old.replaceWith(s); });
            }
            """, third);
        await page.WaitForChartsAsync(2, 15_000);
        charts = await RenderedChart.ReadAllAsync(page.Page);
        Assert.Equal(2, charts.Count(c => c.Svgs > 0));
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task A_chart_with_no_library_anywhere_says_why_instead_of_staying_blank()
    {
        var (_, second, _) = KernelOutputs();
        var (page, charts) = await Open(Cell(second), 0);
        await using var _ = page;
        await page.Page.WaitForFunctionAsync("() => document.querySelector('.vptsurv-plot').textContent.includes('needs plotly.js')", null,
            new() { Timeout = (PlotlyNotebookHtml.WaitSeconds + 10) * 1000 });
        Assert.Empty(charts);
        Assert.Empty(page.Errors);
    }
}
