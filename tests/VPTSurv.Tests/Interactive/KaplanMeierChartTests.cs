using System.Buffers.Binary;
using System.Text.Json;
using AngleSharp.Html.Parser;
using VPTSurv.Charts;
using Xunit;

namespace VPTSurv.Tests.Interactive;

public class KaplanMeierChartTests
{
    // The standalone offline page is 3.6 MB; build it once for the tests that read it.
    private static readonly Lazy<string> OfflineHtml = new(() => LungFixture.Chart().ToHtml(offline: true));

    private static JsonElement Figure(KaplanMeierChart chart) => JsonDocument.Parse(chart.ToPlotlyJson()).RootElement;

    [Fact]
    public void Offline_html_parses_and_embeds_plotly_js_without_any_remote_script()
    {
        var doc = new HtmlParser().ParseDocument(OfflineHtml.Value);
        var scripts = doc.QuerySelectorAll("script").ToArray();
        Assert.DoesNotContain(scripts, s => s.HasAttribute("src"));
        // plotly.js itself: a large inline script that defines the global Plotly object.
        Assert.Contains(scripts, s => s.TextContent.Length > 1_000_000 && s.TextContent.Contains("plotly.js"));
        Assert.Contains(scripts, s => s.TextContent.Contains("Plotly.newPlot"));
        Assert.Equal("Lung cancer survival by sex (R survival::lung)", doc.Title);
    }

    [Fact]
    public void Online_html_loads_plotly_js_from_a_script_source_and_is_small()
    {
        var html = LungFixture.Chart().ToHtml(offline: false);
        var doc = new HtmlParser().ParseDocument(html);
        Assert.Contains(doc.QuerySelectorAll("script[src]"), s => s.GetAttribute("src")!.Contains("plotly"));
        Assert.True(html.Length < 200_000, $"online page is {html.Length} characters");
    }

    [Fact]
    public void Figure_holds_a_step_curve_band_and_censor_ticks_per_group()
    {
        var data = Figure(LungFixture.Chart()).GetProperty("data").EnumerateArray().ToArray();
        foreach (var group in new[] { "female", "male" })
        {
            var curve = LungFixture.Curves[group];
            var line = data.Single(t => t.GetProperty("name").GetString()!.StartsWith($"{group} (n = {curve.Count}, events = {curve.EventCount})"));
            var x = line.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var y = line.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(curve.StepPath().X, x);
            Assert.Equal(curve.StepPath().Y, y);
            Assert.Single(data, t => t.GetProperty("name").GetString() == $"{group} CI" && t.GetProperty("fill").GetString() == "toself");
            var censored = data.Single(t => t.GetProperty("name").GetString() == $"{group} censored");
            Assert.Equal(curve.Steps.Count(s => s.Censored > 0), censored.GetProperty("x").GetArrayLength());
        }
    }

    [Fact]
    public void At_risk_table_counts_equal_hand_counts_and_sit_under_the_axis_ticks()
    {
        var chart = LungFixture.Chart();
        var figure = Figure(chart);
        var ticks = figure.GetProperty("layout").GetProperty("xaxis").GetProperty("tickvals").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(chart.AtRiskTimes, ticks);
        foreach (var group in new[] { "female", "male" })
        {
            var row = figure.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("name").GetString() == $"{group} at risk");
            Assert.Equal("y2", row.GetProperty("yaxis").GetString());
            Assert.Equal(ticks, row.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal(ticks.Select(t => LungFixture.HandCountAtRisk(group, t).ToString()),
                row.GetProperty("text").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Fact]
    public void Log_rank_p_and_hazard_ratio_are_printed_on_the_chart()
    {
        var annotations = Figure(LungFixture.Chart()).GetProperty("layout").GetProperty("annotations").EnumerateArray()
            .Select(a => a.GetProperty("text").GetString()!).ToArray();
        // R: survdiff chisq 10.33 on 1 df, p 0.00131; coxph HR female vs male 0.588 (0.424–0.816).
        Assert.Contains(annotations, a => a.Contains("Log-rank p = 0.0013 (χ² = 10.33, df 1)")
                                          && a.Contains("HR female vs male = 0.59 (95% CI 0.42–0.82)"));
        Assert.Contains(annotations, a => a.Contains("Number at risk"));
    }

    [Fact]
    public void Switches_remove_bands_censor_ticks_and_the_table()
    {
        var chart = LungFixture.Chart(new KaplanMeierChartOptions(ConfidenceBands: false, CensorTicks: false, AtRiskTable: false));
        var names = Figure(chart).GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(2, names.Length);
        Assert.DoesNotContain(names, n => n.EndsWith("CI") || n.EndsWith("censored") || n.EndsWith("at risk"));
    }

    [Fact]
    public void Png_has_the_requested_size()
    {
        var png = LungFixture.Chart(new KaplanMeierChartOptions(Width: 640, Height: 480)).ToPng();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(480, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void Saving_writes_the_file_atomically_and_never_replaces_a_file_unless_asked()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-km-").FullName;
        try
        {
            var chart = LungFixture.Chart(new KaplanMeierChartOptions(Width: 400, Height: 300));
            var png = Path.Combine(dir, "km.png");
            var html = Path.Combine(dir, "km.html");
            chart.SavePng(png);
            chart.SaveHtml(html, offline: false);
            Assert.True(new FileInfo(png).Length > 1000);
            File.WriteAllText(html, "user's file");
            var e = Assert.Throws<IOException>(() => chart.SaveHtml(html, offline: false));
            Assert.Contains(html, e.Message);
            Assert.Equal("user's file", File.ReadAllText(html));
            chart.SaveHtml(html, offline: false, overwrite: true);
            Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(html).TrimStart(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(["km.html", "km.png"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Duplicate_group_labels_and_bad_tick_times_are_rejected()
    {
        var female = LungFixture.Curves["female"];
        Assert.Contains("'female'", Assert.Throws<ArgumentException>(() => KaplanMeierChart.Create(female, female)).Message);
        Assert.Contains("AtRiskTimes[1]", Assert.Throws<ArgumentException>(() =>
            KaplanMeierChart.Create([female], new KaplanMeierChartOptions(AtRiskTimes: [0, 0]))).Message);
    }
}
