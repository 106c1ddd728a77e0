using Xunit;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using SkiaSharp;
using VPTSurv.Charts;
using VPTSurv.Cli.Commands;
using VPTSurv.Cli.Terminal;

namespace VPTSurv.Tests.Cli;

/// <summary>`vptsurv demo --preset smoke`, end to end, once for the whole class (it trains two models).</summary>
public sealed class DemoSmokeRun : IDisposable
{
    public DemoSmokeRun()
    {
        Out = CliRunner.TempDir();
        (ExitCode, Output) = CliRunner.Run("demo", "--preset", "smoke", "--out", Out, "--force");
    }

    public string Out { get; }
    public int ExitCode { get; }
    public string Output { get; }

    public void Dispose()
    {
        try { Directory.Delete(Out, recursive: true); } catch (IOException) { }
    }
}

public sealed class DemoCommandTests(DemoSmokeRun run) : IClassFixture<DemoSmokeRun>
{
    private string File(string name) => Path.Combine(run.Out, name);

    [Fact]
    public void Smoke_demo_succeeds_and_prints_the_comparison_table_with_both_models()
    {
        Assert.True(run.ExitCode == ExitCodes.Success, run.Output);
        Assert.Contains("C per slide", run.Output);
        Assert.Contains("two-stage", run.Output);
        Assert.Contains("end-to-end", run.Output);
    }

    [Fact]
    public void Report_json_parses_and_holds_both_models_with_their_test_metrics()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var report = JsonNode.Parse(System.IO.File.ReadAllText(File("report.json")))!.AsObject();
        Assert.Equal("vptsurv-demo/1", (string?)report["format"]);
        Assert.Equal("smoke", (string?)report["preset"]);
        var models = report["models"]!.AsArray().Select(m => m!.AsObject()).ToList();
        Assert.Equal(["two-stage", "end-to-end"], models.Select(m => (string)m["method"]!).ToArray());
        foreach (var m in models)
        {
            var test = m["test"]!.AsObject();
            Assert.Equal("test", (string?)test["split"]);
            double c = (double)test["c_index_slide"]!["c_index"]!;
            Assert.InRange(c, 0, 1);
            Assert.True((int)test["slides"]! > 0);
            Assert.NotNull(test["risk_groups"]);
            Assert.NotEmpty(m["history"]!.AsArray());
        }
    }

    [Fact]
    public void Km_png_decodes_with_the_chart_size()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        foreach (var label in DemoCommand.Labels)
        {
            using var bitmap = SKBitmap.Decode(File($"km-{label}.png"));
            Assert.NotNull(bitmap);
            Assert.Equal(KaplanMeierChartOptions.Default.Width, bitmap.Width);
            Assert.Equal(KaplanMeierChartOptions.Default.Height, bitmap.Height);
        }
    }

    [Fact]
    public void Km_html_parses_and_embeds_plotly_js_so_it_works_offline()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        foreach (var label in DemoCommand.Labels)
        {
            var doc = new HtmlParser().ParseDocument(System.IO.File.ReadAllText(File($"km-{label}.html")));
            Assert.Empty(doc.QuerySelectorAll("script[src]")); // nothing fetched from the network
            var scripts = doc.QuerySelectorAll("script").Select(s => s.TextContent).ToList();
            Assert.Contains(scripts, s => s.Length > 1_000_000 && s.Contains("plotly.js"));
            Assert.Contains(scripts, s => s.Contains("Plotly.newPlot") && s.Contains("high risk"));
        }
    }

    [Fact]
    public void Predictions_csv_has_every_slide_of_the_run_once()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var report = JsonNode.Parse(System.IO.File.ReadAllText(File("report.json")))!;
        int testSlides = (int)report["models"]![0]!["test"]!["slides"]!;
        foreach (var label in DemoCommand.Labels)
        {
            var lines = System.IO.File.ReadAllLines(File($"predictions-{label}.csv"));
            Assert.StartsWith("slide_id,patient_id,split,time,event,risk", lines[0]);
            var ids = lines.Skip(1).Select(l => l.Split(',')[0]).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Equal(testSlides, lines.Count(l => l.Split(',')[2] == "test"));
            Assert.Contains(lines, l => l.Split(',')[2] == "train");
        }
    }

    [Fact]
    public void Rerun_into_the_same_folder_without_force_changes_nothing_and_exits_2()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var before = Directory.GetFiles(run.Out).ToDictionary(f => f, System.IO.File.ReadAllBytes);
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--out", run.Out);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("already exists", output);
        Assert.Contains("--force", output);
        foreach (var (path, bytes) in before) Assert.Equal(bytes, System.IO.File.ReadAllBytes(path));
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(run.Out).Order());
    }
}
