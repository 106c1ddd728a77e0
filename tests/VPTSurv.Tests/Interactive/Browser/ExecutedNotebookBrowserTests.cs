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
        // Two charts: the risk groups (the first chart, which brings plotly.js), then the whole split's estimate (reuses it).
        var (page, charts) = await OpenAsync("01-quickstart", expectedCharts: 2);
        await using var _ = page;
        var repo = RepoRoot();
        var groups = ExpectedGroup.Quickstart(Path.Combine(repo, "data-manifests", "synthetic-cd4.csv"), Path.Combine(repo, "data-manifests", "synthetic-cd4.truth.csv"));
        AssertKaplanMeier(charts[0], groups);
        Assert.Contains("Log-rank p", charts[0].Annotations);
        Assert.Contains("HR high risk vs low risk", charts[0].Annotations);
        var all = new ExpectedGroup("all", groups.SelectMany(g => g.Time).ToArray(), groups.SelectMany(g => g.Event).ToArray());
        AssertKaplanMeier(charts[1], [all]);
        Assert.Empty(page.Errors);
    }

    [ExecutedNotebookFact]
    public async Task Figure_2_charts_render_with_the_risk_groups_counted_from_the_saved_predictions()
    {
        // The notebook saves each report (JSON: the training-median cut) and its per-slide predictions (CSV) and prints the folder.
        var path = Path.Combine(ExecutedNotebookFactAttribute.Folder, "04-kaplan-meier.ipynb");
        Assert.True(File.Exists(path), $"{path} does not exist: run `bash .ci/notebooks notebooks/04-kaplan-meier.ipynb` with VPTSURV_NOTEBOOK_OUT set to {ExecutedNotebookFactAttribute.Folder}.");
        var executed = File.ReadAllText(path);
        var match = System.Text.RegularExpressions.Regex.Match(executed, @"written to ([^""\\]+)");
        Assert.True(match.Success, "04-kaplan-meier printed no 'written to <folder>' line");
        var folder = match.Groups[1].Value.Trim();
        var expected = new List<ExpectedGroup[]>();
        foreach (var stem in new[] { "two-stage", "end-to-end" })
        {
            using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, stem + ".json")));
            var cut = report.RootElement.GetProperty("risk_groups").GetProperty("threshold_training_median_risk").GetDouble();
            var rows = File.ReadAllLines(Path.Combine(folder, stem + "-predictions.csv"));
            var header = rows[0].Split(',');
            int time = Array.IndexOf(header, "time"), evt = Array.IndexOf(header, "event"), risk = Array.IndexOf(header, "risk");
            var slides = rows.Skip(1).Where(r => r.Length > 0).Select(r => r.Split(','))
                .Select(f => (Time: ExpectedGroup.D(f[time]), Event: f[evt] == "1", High: ExpectedGroup.D(f[risk]) > cut)).ToArray();
            ExpectedGroup Group(string label, bool high) => new(label,
                slides.Where(s => s.High == high).Select(s => s.Time).ToArray(), slides.Where(s => s.High == high).Select(s => s.Event).ToArray());
            var groups = new[] { Group("low risk", false), Group("high risk", true) };
            if (groups.All(g => g.Count > 0)) expected.Add(groups); // the notebook draws no chart for an empty group
        }
        var (page, charts) = await OpenAsync("04-kaplan-meier", expected.Count);
        await using var _ = page;
        for (int i = 0; i < expected.Count; i++) AssertKaplanMeier(charts[i], expected[i]);
        Assert.Empty(page.Errors);
    }

    [ExecutedNotebookFact]
    public async Task Every_chart_of_every_executed_notebook_is_drawn_and_no_page_logs_an_error()
    {
        var notebooks = Directory.GetFiles(ExecutedNotebookFactAttribute.Folder, "*.ipynb").Order().ToArray();
        Assert.NotEmpty(notebooks);
        foreach (var executed in notebooks)
        {
            var name = Path.GetFileNameWithoutExtension(executed);
            var html = Path.Combine(ExecutedNotebookFactAttribute.Folder, name + ".html");
            File.WriteAllText(html, NotebookHtmlExport.ToHtml(executed));
            await using var page = await ChromiumPage.OpenAsync(html);
            // A chart output is any output whose markup calls Plotly.newPlot, whoever wrote it; each must hold a drawn plot.
            const string chartOutputs = "() => Array.from(document.querySelectorAll('div.output')).filter(o => o.innerHTML.includes('newPlot'))";
            int outputs = await page.Page.EvaluateAsync<int>($"() => ({chartOutputs})().length");
            await page.WaitForChartsAsync(outputs);
            int drawn = await page.Page.EvaluateAsync<int>($"() => ({chartOutputs})().filter(o => o.querySelector('.js-plotly-plot svg.main-svg')).length");
            var shots = await page.ScreenshotChartsAsync(Path.Combine(ScreenshotFolder, "all"), name);
            output.WriteLine($"{name}: {outputs} chart output(s), {drawn} drawn; {page.Errors.Count} page error(s); screenshots: {string.Join(", ", shots)}");
            Assert.True(drawn == outputs, $"{name}: {outputs} chart outputs but {drawn} drawn; page errors: {string.Join(" / ", page.Errors)}");
            Assert.True(page.Errors.Count == 0, $"{name}: {string.Join(" / ", page.Errors)}");
        }
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
