using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Data;
using VPTSurv.Runtime;
using VPTSurv.Training;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// The README's main command: on the embedded synthetic-cd4 cohort with the Cpu preset, trains the two-stage model
/// (frozen encoder features + VPTSurv decoder) and the end-to-end VPTSurv model, prints the test comparison, and
/// writes the report JSON, the predictions CSVs, and each model's Kaplan–Meier chart as PNG and offline HTML.
/// </summary>
public sealed class DemoCommand(IAnsiConsole console) : Command<DemoCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (default out/demo); existing results are kept unless --force.")]
        public string Out { get; init; } = Path.Combine("out", "demo");

        [CommandOption("--methods <LIST>")]
        [Description("Comma-separated models to train: two-stage, end-to-end (default both).")]
        public string Methods { get; init; } = string.Join(",", Labels);

        /// <summary>The chosen methods, validated.</summary>
        public IReadOnlyList<string> MethodList()
        {
            var list = Methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            foreach (var m in list)
                if (!Labels.Contains(m)) throw new CliInputException($"--methods: unknown method '{m}'; expected {string.Join(", ", Labels)}.");
            if (list.Count == 0) throw new CliInputException("--methods: name at least one method.");
            return list;
        }
    }

    /// <summary>The result files, in the output folder.</summary>
    public static IReadOnlyList<string> Files(IEnumerable<string> labels) =>
    [
        "report.json", "summary.md", "config.json",
        .. labels.SelectMany(l => new[] { $"predictions-{l}.csv", $"km-{l}.png", $"km-{l}.html" }),
    ];

    /// <summary>The two models the demo compares, in table order.</summary>
    public static IReadOnlyList<string> Labels { get; } = [Runs.Methods.TwoStage, Runs.Methods.EndToEnd];

    /// <summary>
    /// The demo's own defaults for a preset that leaves them open: which part of the synthetic cohort it trains on
    /// (<see cref="TrainingSettings.Subset"/>, patient by patient, seeded) and the per-slide tile pool rendered once
    /// (<see cref="TrainingSettings.TilePool"/>, as many tiles as inference reads). Only Smoke needs them (the Cpu
    /// preset sets its own subset and pool): 16 training, 8 validation and 12 test slides keep the test's demo short.
    /// They are preset fields, so config.json records them and <c>--set training.subset=null</c> runs the whole cohort.
    /// </summary>
    public static JsonObject? Defaults(Preset preset)
    {
        var training = new JsonObject();
        var s = preset.Training;
        if (preset.Name == "smoke" && s.Subset is null)
            training["subset"] = new JsonObject { ["train"] = 16, ["val"] = 8, ["test"] = 12, ["seed"] = 0 };
        if (preset.Name is "smoke" or "cpu" && s.TilePool is null) training["tilePool"] = s.InferenceTiles;
        return training.Count == 0 ? null : new JsonObject { ["training"] = training };
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var run = RunContext.Create(settings, console, "cpu", Defaults);
        var cfg = run.Config;
        var methods = settings.MethodList();
        using var output = new OutputFolder(settings.Out, settings.Force, settings.Cache);
        var cohort = CohortLoader.LoadTrainable(cfg);
        output.Plan([.. Files(methods)]);
        console.MarkupLine($"[bold]vptsurv demo[/]: {Markup.Escape(cohort.ToString())}; preset [bold]{Markup.Escape(cfg.Preset.Name)}[/], seed {cfg.Preset.Training.Seed}; results in {Markup.Escape(output.Root)}");

        var runs = new List<MethodRun>();
        try
        {
            ProgressView.Run(console, view =>
            {
                foreach (var label in methods)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    runs.Add(Runs.Methods.Train(label, cfg, cohort, output.Cache, view.For(label), run.Log, cancellationToken, device: run.Device));
                }
                return 0;
            }, cancellationToken);

            var rows = TestComparisonTable.Rows(runs);
            string title = $"{cohort.Name}, test split, preset {cfg.Preset.Name}, seed {cfg.Preset.Training.Seed}";
            console.Write(TestComparisonTable.ToTable(rows, title));
            foreach (var r in runs) Results.WarnIfNotLearned(r, console);
            foreach (var r in runs)
            {
                // The CSV holds every split, so that `vptsurv km` can recompute the training-median cut from it.
                (r.Test with { Predictions = r.AllPredictions() }).SavePredictionsCsv(output[$"predictions-{r.Label}.csv"], output.Force);
            }
            var report = new JsonObject
            {
                ["format"] = "vptsurv-demo/1",
                ["command"] = "vptsurv " + string.Join(' ', context.Arguments),
                ["cohort"] = cohort.Name,
                ["preset"] = cfg.Preset.Name,
                ["seed"] = cfg.Preset.Training.Seed,
                ["device"] = run.Device.ToString(),
                ["wall_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["config"] = cfg.Resolved.DeepClone(),
                ["models"] = new JsonArray([.. runs.Select(r => (JsonNode)r.ToJson())]),
            };
            AtomicFile.WriteAllText(output["config.json"], cfg.Resolved.ToJsonString(RunConfig.Json), output.Force);
            AtomicFile.WriteAllText(output["report.json"], report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), output.Force);
            AtomicFile.WriteAllText(output["summary.md"],
                $"# vptsurv demo\n\n{title}; {cohort}.\n\n{TestComparisonTable.ToMarkdown(rows)}\nWall time {clock.Elapsed:hh\\:mm\\:ss}.\n", output.Force);
            foreach (var r in runs) // charts last: the results above are on disk whatever a chart does
            {
                var chart = RiskGroupChart.Create(r.Test.Predictions, r.Threshold, $"{r.Label}: test risk groups (cut at the training median risk)");
                chart.SavePng(output[$"km-{r.Label}.png"], output.Force);
                chart.SaveHtml(output[$"km-{r.Label}.html"], offline: true, overwrite: output.Force);
            }
            console.MarkupLine($"Wrote {Markup.Escape(output.Root)}: report.json, summary.md, config.json, predictions-*.csv, km-*.png, km-*.html ({clock.Elapsed:hh\\:mm\\:ss}).");
            return ExitCodes.Success;
        }
        finally
        {
            foreach (var r in runs) r.Dispose();
        }
    }
}
