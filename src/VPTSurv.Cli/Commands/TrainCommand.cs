using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Training;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Trains one model: end to end (VPTSurv: prompted frozen encoder + decoder, checkpointed every epoch, resumable) or
/// two-stage (frozen features + a chosen bag decoder), then evaluates the test split. Writes the model, config.json,
/// the test report, the predictions of every split and the test KM chart.
/// </summary>
public sealed class TrainCommand(IAnsiConsole console) : Command<TrainCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("--method <METHOD>")]
        [Description("end-to-end (default) or two-stage.")]
        public string Method { get; init; } = Methods.EndToEnd;

        [CommandOption("--decoder <NAME>")]
        [Description("Two-stage decoder: vptsurv, abmil, transmil, patchgcn, deepattnmisl, hvtsurv.")]
        public string? Decoder { get; init; }

        [CommandOption("--resume")]
        [Description("End-to-end: continue the run whose checkpoint.zip is in --out.")]
        public bool Resume { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (default out/train).")]
        public string Out { get; init; } = Path.Combine("out", "train");
    }

    /// <summary>The files a training run writes.</summary>
    public static IReadOnlyList<string> Files(string method) =>
    [
        "config.json", "report.json", "predictions.csv", "km.png", "km.html",
        .. method == Methods.EndToEnd ? new[] { "checkpoint.zip" } : [TwoStageModelFile.Weights, TwoStageModelFile.Bins, TwoStageModelFile.Standardization],
    ];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Methods.All.Contains(settings.Method))
            throw new CliInputException($"--method: unknown method '{settings.Method}'; expected {string.Join(" or ", Methods.All)}.");
        if (settings.Resume && settings.Method != Methods.EndToEnd)
            throw new CliInputException("--resume continues an end-to-end checkpoint; the two-stage decoder trains in seconds from cached features.");
        var decoderOverride = settings.Decoder is null ? [] : new[] { KeyValuePair.Create("bagDecoder", (JsonNode?)settings.Decoder) };
        var cfg = RunConfig.Resolve(settings.Preset, settings.Config, settings.Overrides().Concat(decoderOverride));
        var run = RunContext.From(cfg, console);
        if (settings.Method == Methods.EndToEnd && cfg.BagDecoder != "vptsurv")
            throw new CliInputException($"The end-to-end model always uses the VPTSurv decoder; '{cfg.BagDecoder}' is for --method two-stage.");
        using var output = new OutputFolder(settings.Out, settings.Force, settings.Cache);
        var files = Files(settings.Method).Where(f => !(settings.Resume && f == "checkpoint.zip")).ToArray();
        string checkpoint = Path.Combine(output.Root, "checkpoint.zip");
        if (settings.Resume && !File.Exists(checkpoint))
            throw new CliInputException($"--resume: no checkpoint at '{checkpoint}'.");
        var cohort = CohortLoader.LoadTrainable(cfg);
        output.Plan(files);
        console.MarkupLine($"[bold]vptsurv train[/] {Markup.Escape(settings.Method)}: {Markup.Escape(cohort.ToString())}; preset [bold]{Markup.Escape(cfg.Preset.Name)}[/], seed {cfg.Preset.Training.Seed}");

        using var result = ProgressView.Run(console, view =>
        {
            var progress = view.For(settings.Method);
            if (settings.Method == Methods.TwoStage)
                return Methods.Train(Methods.TwoStage, cfg, cohort, output.Cache, progress, run.Log, cancellationToken);
            if (settings.Resume)
                return MethodRun.Train(Methods.EndToEnd, "VPTSurv end to end (resumed)",
                    () => new EndToEndTrainer(cfg.Preset, new TrainerOptions { WorkDirectory = output.Cache, CheckpointPath = checkpoint, Log = run.Log })
                        .Resume(checkpoint, cohort, progress, cancellationToken), cfg.Evaluation);
            return Methods.Train(Methods.EndToEnd, cfg, cohort, output.Cache, progress, run.Log, cancellationToken, checkpoint);
        }, cancellationToken);

        if (result.Result.Decoder is { } decoder)
            TwoStageModelFile.Save(decoder, result.Result.Bins,
                result.Result.Standardization ?? throw new InvalidOperationException("two-stage run without a feature standardisation"),
                output[TwoStageModelFile.Weights], output[TwoStageModelFile.Bins], output[TwoStageModelFile.Standardization], output.Force, cfg.BagDecoder);
        Results.Write(output, result, cfg, context, "", console);
        return ExitCodes.Success;
    }
}
