using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Distributed.Mpi;
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
        [Description("Bag decoder, either method: vptsurv (default), abmil, transmil, patchgcn, deepattnmisl, hvtsurv.")]
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
        MpiLaunch? launch;
        try { launch = MpiLaunch.Detect(); }
        catch (FormatException e) { throw new CliInputException($"mpirun/srun environment: {e.Message}"); }
        if (launch is not null) cfg = cfg with { Device = RankDevice(cfg.Device, launch) };
        var run = RunContext.From(cfg, console);
        if (launch is not null) return TrainRank(context, settings, cfg, run, launch, cancellationToken);
        return Train(context, settings, cfg, run, null, null, cancellationToken);
    }

    /// <summary>The run of one process, or of rank 0 of a data-parallel run (<paramref name="group"/>): owns --out.</summary>
    private int Train(CommandContext context, Settings settings, RunConfig cfg, RunContext run, IDataParallel? group, IProgress<LoopProgress>? steps,
        CancellationToken cancellationToken)
    {
        using var output = new OutputFolder(settings.Out, settings.Force, settings.Cache);
        string checkpoint = Path.Combine(output.Root, Checkpoint);
        if (settings.Resume) ResumeCheck.Require(checkpoint, settings.Method, cfg.BagDecoder);
        var cohort = CohortLoader.LoadTrainable(cfg);
        output.Plan([.. Files.Where(f => !(settings.Resume && f == Checkpoint))]);
        console.MarkupLine($"[bold]vptsurv train[/] {Markup.Escape(settings.Method)}{(settings.Resume ? " (resumed)" : "")}: {Markup.Escape(cohort.ToString())}; preset [bold]{Markup.Escape(cfg.Preset.Name)}[/], seed {cfg.Preset.Training.Seed}");

        var options = new TrainerOptions { WorkDirectory = output.Cache, CheckpointPath = checkpoint, StopAfterEpoch = settings.StopAfter, Log = run.Log, Parallel = group,
            LoopProgress = steps, Device = run.Device };
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

    /// <summary>
    /// One rank of a data-parallel run under mpirun or srun (<see cref="MpiDataParallel"/>): each rank trains on its share
    /// of every step's bags (<c>training.bagsPerStep</c> per rank) and the gradients are summed over the ranks. Rank 0
    /// owns --out (checkpoint, model, reports, progress bars); the other ranks keep their tile and feature caches in a
    /// temporary folder of their own, log plain lines and write nothing else.
    /// </summary>
    private int TrainRank(CommandContext context, Settings settings, RunConfig cfg, RunContext run, MpiLaunch launch, CancellationToken cancellationToken)
    {
        // Not disposed on failure: a rank that exits without MPI_Finalize makes mpirun end the job, where a clean exit
        // would leave the other ranks waiting in a collective call.
        var world = MpiWorld.Start();
        var group = new MpiDataParallel(world);
        if (world.IsRoot)
        {
            console.MarkupLine($"data-parallel: {world.Size} ranks ({launch.Launcher}), {cfg.Preset.Training.BagsPerStep} bag(s) per step on each, " +
                $"{world.Size * cfg.Preset.Training.BagsPerStep} per optimiser step");
            var steps = new StepTime();
            var code = Train(context, settings, cfg, run, group, steps, cancellationToken);
            console.WriteLine(AllreduceLine(group, steps));
            world.SleepingBarrier();
            world.Dispose();
            return code;
        }
        var scratch = Directory.CreateTempSubdirectory($"vptsurv-rank{world.Rank}-").FullName;
        try
        {
            string checkpoint = Path.Combine(Path.GetFullPath(settings.Out), Checkpoint);
            var cohort = CohortLoader.LoadTrainable(cfg);
            var log = ShardReport.RankLog(world);
            var steps = new StepTime();
            var options = new TrainerOptions { WorkDirectory = Path.Combine(scratch, "cache"), StopAfterEpoch = settings.StopAfter, Log = log, Parallel = group,
                LoopProgress = steps, Device = run.Device };
            using (Methods.Fit(settings.Method, cfg, cohort, options, settings.Resume ? checkpoint : null, new Progress<TrainingProgress>(), cancellationToken)) { }
            log($"{settings.Method} trained with {world.Size} ranks ({launch.Launcher}); rank 0 writes the results; {AllreduceLine(group, steps)}");
            world.SleepingBarrier();
            world.Dispose();
            return ExitCodes.Success;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// "allreduce: 4 calls, 0.012 s of 3.2 s in 4 steps (0.4 %)": the gradient allreduce's share of this rank's optimiser
    /// steps (its wall time includes waiting for the slowest rank).
    /// </summary>
    internal static string AllreduceLine(MpiDataParallel group, StepTime steps) =>
        FormattableString.Invariant($"allreduce: {group.ReduceCalls} calls, {group.ReduceTime.TotalSeconds:F3} s of {steps.Seconds:F3} s in {steps.Steps} steps ") +
        FormattableString.Invariant($"({100 * group.ReduceTime.TotalSeconds / Math.Max(1e-9, steps.Seconds):F1} %)");

    /// <summary>Counts the optimiser steps of this process and adds up their wall time.</summary>
    internal sealed class StepTime : IProgress<LoopProgress>
    {
        /// <summary>Steps seen.</summary>
        public int Steps { get; private set; }

        /// <summary>Their wall seconds.</summary>
        public double Seconds { get; private set; }

        /// <inheritdoc />
        public void Report(LoopProgress value) => (Steps, Seconds) = (Steps + 1, Seconds + value.Seconds);
    }

    /// <summary>The device of a rank: <c>cuda:{local rank}</c> when CUDA is asked for (or auto) and available, else as configured.</summary>
    private static string RankDevice(string device, MpiLaunch launch)
    {
        VPTSurv.Runtime.NativeBackend.EnsureLoaded();
        return VPTSurv.Runtime.Devices.ForRank(device, launch.LocalRank, TorchSharp.torch.cuda.is_available());
    }
}
