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

/// <summary>One smoke demo shared by every class that reads its outputs.</summary>
[CollectionDefinition(Name)]
public sealed class DemoCollection : ICollectionFixture<DemoSmokeRun>
{
    public const string Name = "vptsurv demo --preset smoke";
}

[Collection(DemoCollection.Name)]
public sealed class DemoCommandTests(DemoSmokeRun run)
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

/// <summary>The other commands, on the smoke demo's outputs and caches (no second encoder run).</summary>
[Collection(DemoCollection.Name)]
public sealed class CommandsOnDemoOutputTests(DemoSmokeRun run)
{
    [Fact]
    public void Km_of_the_demo_predictions_reproduces_the_reports_log_rank_test()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var out_ = Path.Combine(run.Out, "km-cmd");
        var (code, output) = CliRunner.Run("km", Path.Combine(run.Out, "predictions-end-to-end.csv"), "--out", out_);
        Assert.True(code == 0, output);
        var km = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(out_, "km.json")))!;
        var report = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(run.Out, "report.json")))!;
        var groups = report["models"]![1]!["test"]!["risk_groups"]!;
        // Same rows, same cut (training median risk): the same groups and the same test.
        Assert.Equal((double)groups["threshold_training_median_risk"]!, (double)km["threshold"]!, 12);
        if (groups["logrank_p"] is { } p) Assert.Equal((double)p, (double)km["logrank"]!["p"]!, 9);
        Assert.True(System.IO.File.Exists(Path.Combine(out_, "km.png")));
        Assert.True(System.IO.File.Exists(Path.Combine(out_, "km.html")));
    }

    [Fact]
    public void Two_stage_train_then_evaluate_reproduces_the_test_metrics_from_the_saved_model()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var model = Path.Combine(run.Out, "train-two-stage");
        // The demo's subset and tile pool, so the demo's cached tiles and features are reused.
        string[] common = ["--preset", "smoke", "--set", "training.subset={\"train\":16,\"val\":8,\"test\":12,\"seed\":0}", "--set", "training.tilePool=16",
            "--cache", Path.Combine(run.Out, "cache")];
        var (code, output) = CliRunner.Run(["train", "--method", "two-stage", "--decoder", "abmil", "--out", model, .. common]);
        Assert.True(code == 0, output);
        Assert.True(System.IO.File.Exists(Path.Combine(model, "model.safetensors")));
        var trained = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(model, "report.json")))!["model"]!["test"]!;

        var (code2, output2) = CliRunner.Run("evaluate", model, "--split", "test", "--cache", Path.Combine(run.Out, "cache"));
        Assert.True(code2 == 0, output2);
        var evaluated = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(model, "eval-test", "report.json")))!;
        Assert.Equal((int)trained["slides"]!, (int)evaluated["slides"]!);
        Assert.Equal((double)trained["c_index_slide"]!["c_index"]!, (double)evaluated["c_index_slide"]!["c_index"]!, 9);
    }
}
