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
        [Description("The folder vptsurv train wrote (config.json and checkpoint.zip; two-stage also decoder.safetensors, bins.json and standardization.json).")]
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
        var savedConfig = Path.Combine(settings.Model, "config.json");
        var configPath = settings.Config ?? (File.Exists(savedConfig) ? savedConfig
            : throw new CliInputException($"Model folder '{settings.Model}' has no config.json; give the run's config with --config."));
        var cfg = RunConfig.Resolve(settings.Preset, configPath, settings.Overrides());
        var run = RunContext.From(cfg, console);
        using var output = new OutputFolder(settings.Out ?? Path.Combine(settings.Model, $"eval-{settings.Split}"), settings.Force,
            settings.Cache ?? Path.Combine(settings.Model, "cache"));
        var cohort = CohortLoader.Load(cfg.Manifest);
        output.Plan("report.json", "predictions.csv", "km.png", "km.html");
        var checkpoint = Path.Combine(settings.Model, "checkpoint.zip");
        var weights = Path.Combine(settings.Model, TwoStageModelFile.Weights);

        var (label, predictions, training, edges) = ProgressView.Run(console, view =>
        {
            // A two-stage folder holds the decoder's weights and, beside them, its training checkpoint.
            if (File.Exists(weights)) return TwoStage(cfg, cohort, settings.Model, split, output.Cache, view, run.Log);
            if (File.Exists(checkpoint)) return EndToEnd(cfg, cohort, checkpoint, split, output.Cache, view, run.Log, cancellationToken);
            throw new CliInputException($"Model folder '{settings.Model}' holds neither checkpoint.zip (end-to-end) nor {TwoStageModelFile.Weights} (two-stage).");
        }, cancellationToken);

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

    private static (string, IReadOnlyList<SlidePrediction>, IReadOnlyList<SlidePrediction>, IReadOnlyList<double>) EndToEnd(
        RunConfig cfg, Cohort cohort, string checkpoint, Split split, string cache, ProgressView view, Action<string> log, CancellationToken ct)
    {
        var meta = TrainingCheckpoint.ReadMeta(checkpoint);
        if (meta.Method != Methods.EndToEnd)
            throw new CliInputException(
                $"Checkpoint '{checkpoint}' holds an unfinished {meta.Method} run (epoch {meta.Epoch} of {cfg.Preset.Training.Epochs}, no {TwoStageModelFile.Weights} yet); finish it with vptsurv train --method two-stage --resume.");
        if (meta.Epoch < cfg.Preset.Training.Epochs)
            throw new CliInputException(
                $"Checkpoint '{checkpoint}' holds epoch {meta.Epoch} of {cfg.Preset.Training.Epochs} (an unfinished or early-stopped run); finish it with vptsurv train --resume, or evaluate the report that run wrote.");
        // Resuming a finished run trains nothing: it loads the best epoch's weights and the bins (the preset and encoder must match).
        using var result = new EndToEndTrainer(cfg.Preset, new TrainerOptions { WorkDirectory = cache, Log = log })
            .Resume(checkpoint, cohort, view.For(Methods.EndToEnd), ct);
        return (Methods.EndToEnd, result.Predict(split), result.Predict(Split.Train), result.Bins.Edges);
    }

    private static (string, IReadOnlyList<SlidePrediction>, IReadOnlyList<SlidePrediction>, IReadOnlyList<double>) TwoStage(
        RunConfig cfg, Cohort cohort, string model, Split split, string cache, ProgressView view, Action<string> log)
    {
        var bins = TimeBins.Load(Path.Combine(model, TwoStageModelFile.Bins));
        var standardization = TwoStageModelFile.LoadStandardization(Path.Combine(model, TwoStageModelFile.Standardization));
        using var decoder = TwoStageModelFile.Load(Path.Combine(model, TwoStageModelFile.Weights), cfg.BagDecoder, cfg.Preset);
        var used = cfg.Preset.Training.Subset?.Apply(cohort) ?? cohort;
        var slides = used.SlidesIn(Split.Train).Concat(split == Split.Train ? [] : used.SlidesIn(split)).ToList();
        using var features = new TwoStagePipeline(cfg.Preset, new TrainerOptions { WorkDirectory = cache, Log = log })
            .Extract(used, slides, new FeatureCache(Path.Combine(cache, "features")), view.For(Methods.TwoStage));
        if (features.Failed.Count > 0)
            throw new CliInputException($"Features failed for {features.Failed.Count} slide(s), e.g. '{features.Failed[0].SlideId}': {features.Failed[0].Error}");
        IReadOnlyList<SlidePrediction> Predict(Split s) => [.. used.SlidesIn(s).Select(slide =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var bag = features.BagOf(slide.SlideId);
            var logits = decoder.forward(bag with { Features = standardization.Apply(bag.Features) }).to(ScalarType.Float64).data<double>().ToArray(); // (K)
            return new SlidePrediction(slide.SlideId, slide.PatientId, s, slide.Time, slide.EventObserved, logits);
        })];
        return (Methods.TwoStage, Predict(split), Predict(Split.Train), bins.Edges);
    }
}
