using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Pretraining;
using VPTSurv.Runtime;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// <c>vptsurv pretrain-encoder --preset cpu</c>: MAE pretraining of a preset's encoder on synthetic pretraining slides
/// (or the user's own slides), writing safetensors weights a preset can load.
/// </summary>
public sealed class PretrainEncoderCommand : Command<PretrainEncoderCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--preset")]
        [Description("Pretraining setting: cpu or smoke (the encoder of that preset).")]
        public string Preset { get; init; } = "cpu";

        [CommandOption("-o|--output")]
        [Description("Where to write the encoder weights (safetensors). Default: <preset>-encoder.safetensors.")]
        public string? Output { get; init; }

        [CommandOption("--overwrite")]
        [Description("Replace an existing output file.")]
        public bool Overwrite { get; init; }

        [CommandOption("--seed")]
        [Description("Seed for initialisation, tile pool, batches and masks (default 0).")]
        public ulong Seed { get; init; }

        [CommandOption("--steps")]
        [Description("Override the number of optimiser steps.")]
        public int? Steps { get; init; }

        [CommandOption("--stop-after")]
        [Description("Stop after N steps without changing the schedule (to check a rerun, or to split a run; continue with --resume).")]
        public int? StopAfter { get; init; }

        [CommandOption("--checkpoint")]
        [Description("Checkpoint prefix (e.g. runs/mae/ckpt); with --resume, continue from it.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--checkpoint-every")]
        [Description("Save a checkpoint every N steps (default 100 when --checkpoint is given).")]
        public int CheckpointEvery { get; init; } = 100;

        [CommandOption("--resume")]
        [Description("Continue from the checkpoint at --checkpoint when it exists.")]
        public bool Resume { get; init; }

        [CommandOption("--slides")]
        [Description("A text file listing your own slides (paths or synthetic specs), one per line, to pretrain on instead of synthetic pretraining slides.")]
        public string? Slides { get; init; }

        [CommandOption("--threads")]
        [Description("libtorch threads (default: the preset's setting, 1; the loss curve repeats exactly only at the same count).")]
        public int? Threads { get; init; }

        [CommandOption("--losses")]
        [Description("Write the per-step loss curve to this CSV file.")]
        public string? Losses { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var config = MaeConfig.ByName(settings.Preset) with
        {
            Seed = settings.Seed,
            OutputPath = settings.Output ?? $"{settings.Preset.Trim().ToLowerInvariant()}-encoder.safetensors",
            Overwrite = settings.Overwrite,
            CheckpointPath = settings.Checkpoint,
            CheckpointEvery = settings.Checkpoint is null ? 0 : settings.CheckpointEvery,
            Resume = settings.Resume,
            StopAfter = settings.StopAfter,
        };
        if (settings.Threads is int threads)
            config = config with { Threads = threads };
        if (settings.Steps is int steps)
            config = config with { Steps = steps, WarmupSteps = Math.Min(config.WarmupSteps, steps) };
        if (settings.Slides is { } list)
        {
            var sources = File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            config = config with { Tiles = MaeTileSource.FromSlides(sources, config.Tiles.TilesPerSlide, config.Tiles.TileSize, config.Tiles.MicronsPerPixel) };
        }

        AnsiConsole.MarkupLine($"[bold]MAE pretraining[/] of the {Markup.Escape(settings.Preset)} encoder: {config.Steps} steps x {config.BatchSize} tiles, seed {config.Seed}, pool {config.Tiles.Count} tiles");
        var inv = CultureInfo.InvariantCulture;
        var progress = new Progress(p =>
        {
            if (p.Step == 1 || p.Step % 25 == 0 || p.Step == p.Steps)
                Console.WriteLine(string.Create(inv, $"step {p.Step,5}/{p.Steps}  loss {p.Loss:F4}  lr {p.LearningRate:E2}  {p.TilesPerSecond,6:F0} tiles/s  {p.Elapsed:hh\\:mm\\:ss}"));
        });
        using var result = new Disposer(MaePretraining.Run(config, progress, cancellationToken));
        var r = result.Value;
        Console.WriteLine(string.Create(inv,
            $"pool {r.PoolTiles} tiles ({r.PoolBackgroundShare:P0} background) in {r.PoolSeconds:F0} s; training {r.TrainSeconds:F0} s; loss {r.InitialLoss:F4} -> {r.FinalLoss:F4}; weights: {r.OutputPath}"));
        if (settings.Losses is { } csv)
            AtomicFile.WriteAllText(csv, "step,loss\n" + string.Concat(r.Losses.Select((l, i) => string.Create(inv, $"{i + 1},{l:R}\n"))));
        return 0;
    }

    // Progress<T> posts to the thread pool; report synchronously so lines stay in order.
    private sealed class Progress(Action<MaeProgress> report) : IProgress<MaeProgress>
    {
        public void Report(MaeProgress value) => report(value);
    }

    private sealed class Disposer(MaeResult value) : IDisposable
    {
        public MaeResult Value { get; } = value;
        public void Dispose() => Value.Model.Dispose();
    }
}
