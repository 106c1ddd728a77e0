using Xunit;
using Xunit.Abstractions;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>
/// Notebooks executed headless by `.ci/notebooks`, exported to HTML as nbconvert would, opened offline in Chromium: the
/// Kaplan–Meier charts must be drawn (SVG, curves, censor ticks, at-risk counts as counted by hand from the data) and
/// the page must log no error. Screenshots go to a temporary folder (VPTSURV_SCREENSHOTS, else a new one).
/// </summary>
[Trait("Category", "Browser")]
public class ExecutedNotebookBrowserTests(ITestOutputHelper output)
{
    [ExecutedNotebookFact]
    public async Task Quickstart_chart_renders_with_the_hand_counted_groups_censor_ticks_and_at_risk_table()
    {
        var (page, charts) = await OpenAsync("01-quickstart", expectedCharts: 1);
        await using var _ = page;
        var chart = Assert.Single(charts);
        var repo = RepoRoot();
        var groups = ExpectedGroup.Quickstart(Path.Combine(repo, "data-manifests", "synthetic-cd4.csv"), Path.Combine(repo, "data-manifests", "synthetic-cd4.truth.csv"));
        AssertKaplanMeier(chart, groups);
        Assert.Contains("Log-rank p", chart.Annotations);
        Assert.Contains("HR high risk vs low risk", chart.Annotations);
        Assert.Empty(page.Errors);
    }

    internal async Task<(ChromiumPage Page, RenderedChart[] Charts)> OpenAsync(string notebook, int expectedCharts)
    {
        var executed = Path.Combine(ExecutedNotebookFactAttribute.Folder, notebook + ".ipynb");
        Assert.True(File.Exists(executed), $"{executed} does not exist: run `bash .ci/notebooks notebooks/{notebook}.ipynb` with VPTSURV_NOTEBOOK_OUT set to {ExecutedNotebookFactAttribute.Folder}.");
        var html = Path.Combine(ExecutedNotebookFactAttribute.Folder, notebook + ".html");
        File.WriteAllText(html, NotebookHtmlExport.ToHtml(executed));
        var page = await ChromiumPage.OpenAsync(html);
        await page.WaitForChartsAsync(expectedCharts);
        var shots = await page.ScreenshotChartsAsync(ScreenshotFolder, notebook);
        output.WriteLine($"{html}: {shots.Count} chart screenshot(s): {string.Join(", ", shots)}");
        foreach (var e in page.Errors) output.WriteLine(e);
        var charts = await RenderedChart.ReadAllAsync(page.Page);
        Assert.True(charts.Length == expectedCharts && charts.All(c => c.Svgs > 0),
            $"{notebook}: expected {expectedCharts} drawn chart(s), found {charts.Count(c => c.Svgs > 0)}; page errors: {string.Join(" / ", page.Errors)}");
        return (page, charts);
    }

    /// <summary>Legend, curves, censor ticks and the at-risk table of a drawn chart against hand-counted groups.</summary>
    internal static void AssertKaplanMeier(RenderedChart chart, IReadOnlyList<ExpectedGroup> groups)
    {
        Assert.Equal(groups.Select(g => g.Legend), chart.Legend);
        Assert.Equal(groups.Count, chart.Curves.Length);
        Assert.Equal(groups.Where(g => g.CensorTicks > 0).Select(g => g.CensorTicks), chart.CensorTraces.Select(t => t.Points));
        Assert.Equal(groups.Select(g => g.Label), chart.Y2Ticks);
        var times = chart.XTicks.Select(ExpectedGroup.D).ToArray();
        Assert.NotEmpty(times);
        Assert.Equal(groups.Count, chart.AtRiskRows.Length);
        for (int g = 0; g < groups.Count; g++)
            Assert.Equal(times.Select(t => groups[g].AtRisk(t).ToString()), chart.AtRiskRows[g].Texts);
    }

    internal static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("VPTSURV_SCREENSHOTS") is { Length: > 0 } s
        ? s : Directory.CreateTempSubdirectory("vptsurv-screenshots-").FullName;

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VPTSurv.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException($"No VPTSurv.sln above {AppContext.BaseDirectory}.");
    }
}
