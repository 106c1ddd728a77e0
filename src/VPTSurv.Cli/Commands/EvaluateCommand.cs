using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Survival;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Evaluates a trained model (the folder <c>vptsurv train</c> wrote) on one split: report JSON, predictions CSV and
/// the split's KM chart. The run's <c>config.json</c> in that folder gives the preset unless <c>--config</c> is given;
/// <c>--manifest</c> evaluates on another cohort.
/// </summary>
public sealed class EvaluateCommand(IAnsiConsole console) : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("The folder vptsurv train wrote (config.json and model.safetensors).")]
        public string Model { get; init; } = "";

        [CommandOption("--split <SPLIT>")]
        [Description("train, val or test (default test).")]
        public string Split { get; init; } = "test";

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (default <MODEL>/eval-<split>).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(settings.Model))
            throw new CliInputException($"Model folder '{settings.Model}' does not exist; give the --out folder of vptsurv train.");
        if (!SplitNames.TryParse(settings.Split, out var split))
            throw new CliInputException($"--split: '{settings.Split}' is not train, val or test.");
        var path = Path.Combine(settings.Model, TrainCommand.Model);
        if (!File.Exists(path))
            throw new CliInputException(File.Exists(Path.Combine(settings.Model, "decoder.safetensors"))
                ? $"Model folder '{settings.Model}' was written by an older vptsurv (decoder.safetensors, bins.json, standardization.json); train it again to get {TrainCommand.Model}."
                : File.Exists(Path.Combine(settings.Model, TrainCommand.Checkpoint))
                    ? $"Model folder '{settings.Model}' holds a training checkpoint but no {TrainCommand.Model}: an unfinished run (finish it with vptsurv train --resume) or one trained by an older vptsurv (train it again)."
                    : $"Model folder '{settings.Model}' holds no {TrainCommand.Model}; give the --out folder of vptsurv train.");
        var savedConfig = Path.Combine(settings.Model, "config.json");
        var configPath = settings.Config ?? (File.Exists(savedConfig) ? savedConfig
            : throw new CliInputException($"Model folder '{settings.Model}' has no config.json; give the run's config with --config."));
        var cfg = RunConfig.Resolve(settings.Preset, configPath, settings.Overrides());
        var run = RunContext.From(cfg, console);
        using var output = new OutputFolder(settings.Out ?? Path.Combine(settings.Model, $"eval-{settings.Split}"), settings.Force,
            settings.Cache ?? Path.Combine(settings.Model, "cache"));
        var cohort = CohortLoader.Load(cfg.Manifest);
        output.Plan("report.json", "predictions.csv", "km.png", "km.html");
        using var model = LoadModel(path, cfg, run.Device);
        var options = new TrainerOptions { WorkDirectory = output.Cache, Log = run.Log, Device = run.Device };
        var bySplit = ProgressView.Run(console, view => model.Predict(cohort, [Split.Train, split], options, view.For(model.Method)), cancellationToken);
        var (predictions, training) = (bySplit[split], bySplit[Split.Train]);
        var label = model.Method;
        var edges = model.Bins.Edges;

        var report = EvaluationReport.Compute(predictions, training, edges, cfg.Evaluation);
        var row = TestComparisonTable.Row(label, report, 0, 0);
        row[^2] = row[^1] = "-"; // not a training run
        console.Write(TestComparisonTable.ToTable([row], $"{cohort.Name}, {settings.Split} split"));
        report.SaveJson(output["report.json"], output.Force);
        report.SavePredictionsCsv(output["predictions.csv"], output.Force);
        double threshold = RiskGroups.MedianCut(training.Select(p => p.Risk));
        var chart = RiskGroupChart.Create(predictions, threshold, $"{label}: {settings.Split} risk groups (cut at the training median risk)");
        chart.SavePng(output["km.png"], output.Force);
        chart.SaveHtml(output["km.html"], offline: true, overwrite: output.Force);
        console.MarkupLine($"Wrote {Markup.Escape(output.Root)}.");
        return ExitCodes.Success;
    }

    // The model file, read with the run's preset (config.json), which must be the one it was trained with.
    private static TrainedModel LoadModel(string path, RunConfig cfg, TorchSharp.torch.Device device)
    {
        try { return ModelFile.Load(path, cfg.Preset, device: device); }
        catch (CheckpointFormatException e) { throw new CliInputException(e.Message); }
    }
}
