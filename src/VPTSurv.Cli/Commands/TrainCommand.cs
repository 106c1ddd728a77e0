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
/// Trains one model: end to end (VPTSurv: prompted frozen encoder + decoder) or two-stage (frozen features + a chosen
/// bag decoder), checkpointed after every epoch and resumable either way, then evaluates the test split. Writes the
/// model, config.json, the test report, the predictions of every split and the test KM chart.
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
        [Description("Continue the run whose checkpoint.zip is in --out (end to end or two-stage), given the same method, decoder and config.")]
        public bool Resume { get; init; }

        [CommandOption("--stop-after <EPOCH>")]
        [Description("Stop after this epoch as if interrupted, without changing the schedule: only checkpoint.zip is written; continue with --resume.")]
        public int? StopAfter { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (default out/train).")]
        public string Out { get; init; } = Path.Combine("out", "train");
    }

    /// <summary>The training checkpoint in the output folder (written after every epoch; <c>--resume</c> continues it).</summary>
    public const string Checkpoint = "checkpoint.zip";

    /// <summary>The trained model, one self-describing file (<see cref="ModelFile"/>; <c>vptsurv evaluate</c> reads it).</summary>
    public const string Model = "model.safetensors";

    /// <summary>The files a training run writes (either method).</summary>
    public static IReadOnlyList<string> Files { get; } = ["config.json", "report.json", "predictions.csv", "km.png", "km.html", Checkpoint, Model];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Methods.All.Contains(settings.Method))
            throw new CliInputException($"--method: unknown method '{settings.Method}'; expected {string.Join(" or ", Methods.All)}.");
        if (settings.StopAfter is < 1)
            throw new CliInputException($"--stop-after: {settings.StopAfter} is not an epoch; give 1 or more.");
        var decoderOverride = settings.Decoder is null ? [] : new[] { KeyValuePair.Create("bagDecoder", (JsonNode?)settings.Decoder) };
        var cfg = RunConfig.Resolve(settings.Preset, settings.Config, settings.Overrides().Concat(decoderOverride));
        var run = RunContext.From(cfg, console);
        if (settings.Method == Methods.EndToEnd && cfg.BagDecoder != "vptsurv")
            throw new CliInputException($"The end-to-end model always uses the VPTSurv decoder; '{cfg.BagDecoder}' is for --method two-stage.");
        using var output = new OutputFolder(settings.Out, settings.Force, settings.Cache);
        string checkpoint = Path.Combine(output.Root, Checkpoint);
        if (settings.Resume) ResumeCheck.Require(checkpoint, settings.Method, cfg.BagDecoder);
        var cohort = CohortLoader.LoadTrainable(cfg);
        output.Plan([.. Files.Where(f => !(settings.Resume && f == Checkpoint))]);
        console.MarkupLine($"[bold]vptsurv train[/] {Markup.Escape(settings.Method)}{(settings.Resume ? " (resumed)" : "")}: {Markup.Escape(cohort.ToString())}; preset [bold]{Markup.Escape(cfg.Preset.Name)}[/], seed {cfg.Preset.Training.Seed}");

        var options = new TrainerOptions { WorkDirectory = output.Cache, CheckpointPath = checkpoint, StopAfterEpoch = settings.StopAfter, Log = run.Log };
        using var result = ProgressView.Run(console, view => MethodRun.TrainUnlessPaused(settings.Method,
            Methods.Describe(settings.Method, cfg) + (settings.Resume ? " (resumed)" : ""),
            () => Methods.Fit(settings.Method, cfg, cohort, options, settings.Resume ? checkpoint : null, view.For(settings.Method), cancellationToken),
            cfg.Evaluation), cancellationToken);
        if (result is null)
        {
            console.MarkupLine($"Stopped after epoch {TrainingCheckpoint.ReadMeta(checkpoint).Epoch} of {cfg.Preset.Training.Epochs} (--stop-after): '{Markup.Escape(checkpoint)}' holds the run; " +
                "continue it with the same command and --resume instead of --stop-after.");
            return ExitCodes.Success;
        }

        result.Result.Save(output[Model], output.Force);
        Results.Write(output, result, cfg, context, "", console);
        return ExitCodes.Success;
    }
}
