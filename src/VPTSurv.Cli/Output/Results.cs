using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Runs;
using VPTSurv.Runtime;

namespace VPTSurv.Cli.Output;

/// <summary>The files of one trained model: config, test report with history, predictions of every split, KM chart.</summary>
public static class Results
{
    /// <summary>Writes config.json, report.json, predictions.csv, km.png and km.html (declared in <paramref name="output"/>) and prints the table.</summary>
    public static void Write(OutputFolder output, MethodRun run, RunConfig config, CommandContext context, string suffix, IAnsiConsole console)
    {
        var rows = TestComparisonTable.Rows([run]);
        console.Write(TestComparisonTable.ToTable(rows, $"{run.Result.Cohort.Name}, test split, preset {config.Preset.Name}, seed {config.Preset.Training.Seed}"));
        WarnIfNotLearned(run, console);
        // Results first: the report and predictions exist before any chart is drawn, so a chart that fails loses nothing.
        AtomicFile.WriteAllText(output["config.json"], config.Resolved.ToJsonString(RunConfig.Json), output.Force);
        (run.Test with { Predictions = run.AllPredictions() }).SavePredictionsCsv(output["predictions.csv"], output.Force);
        var report = new JsonObject
        {
            ["format"] = "vptsurv-train/1",
            ["command"] = "vptsurv " + string.Join(' ', context.Arguments),
            ["cohort"] = run.Result.Cohort.Name,
            ["preset"] = config.Preset.Name,
            ["seed"] = config.Preset.Training.Seed,
            ["bin_edges"] = new JsonArray([.. run.Result.Bins.Edges.Select(e => (JsonNode)e)]),
            ["model"] = run.ToJson(),
        };
        AtomicFile.WriteAllText(output["report.json"], report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), output.Force);
        try
        {
            var chart = RiskGroupChart.Create(run.Test.Predictions, run.Threshold, $"{run.Label}: test risk groups (cut at the training median risk)");
            chart.SavePng(output["km.png"], output.Force);
            chart.SaveHtml(output["km.html"], offline: true, overwrite: output.Force);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"the results are written (report.json, predictions.csv in {output.Root}), but the KM chart failed: {e.Message}", e);
        }
        console.MarkupLine($"Wrote {Markup.Escape(output.Root)}{Markup.Escape(suffix)}.");
    }

    /// <summary>Prints the did-not-learn verdict with its numbers when the run did not learn (its C-index is then not a result).</summary>
    public static void WarnIfNotLearned(MethodRun run, IAnsiConsole console)
    {
        if (run.Result.DidNotLearn)
            console.MarkupLine($"[yellow]{Markup.Escape(run.Label)}: DID NOT LEARN — {Markup.Escape(run.Result.Learning.Reason)}; its test C is not a result.[/]");
    }
}
