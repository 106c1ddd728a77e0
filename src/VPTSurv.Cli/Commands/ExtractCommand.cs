using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Distributed.Mpi;
using VPTSurv.Distributed.Sharding;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Two-stage feature extraction into the content-keyed cache (<c>&lt;cache&gt;/features</c>): the frozen encoder
/// turns each slide's candidate tiles into pooled features once. Several workers may share one cache: each takes a
/// shard of the slides (<c>--shard i/n</c>, or its rank under mpirun/srun) and claims every slide through a lock and a
/// state file in <c>&lt;cache&gt;/state</c> (<see cref="ShardedExtraction"/>), so a rerun skips finished slides and takes
/// over those of a worker that died. Each run ends with a summary (JSON and Markdown) in <c>&lt;cache&gt;/state</c>.
/// <c>vptsurv train --method two-stage --cache</c> the same folder then trains without re-extracting.
/// </summary>
public sealed class ExtractCommand(IAnsiConsole console) : Command<ExtractCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Folder whose cache/ receives the features (default out/features); or give --cache directly.")]
        public string Out { get; init; } = Path.Combine("out", "features");

        [CommandOption("--shard <I/N>")]
        [Description("Work on shard i of n (0-based) of the slides, e.g. 0/4; under mpirun or srun the rank and size decide.")]
        public string? Shard { get; init; }

        [CommandOption("--lock-timeout <MINUTES>")]
        [Description("When the cache is on a file system without OS locks: minutes after which another host's slide lock is taken over (default 60).")]
        public double LockTimeoutMinutes { get; init; } = 60;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = RunContext.Create(settings, console);
        var cfg = run.Config;
        var cache = Path.GetFullPath(settings.Cache ?? Path.Combine(settings.Out, "cache"));
        if (!(settings.LockTimeoutMinutes > 0)) throw new CliInputException($"--lock-timeout: expected minutes > 0, got {settings.LockTimeoutMinutes}.");
        var launch = MpiLaunch.Detect();
        Shard shard;
        try
        {
            shard = Shard.Resolve(settings.Shard is null ? null : Shard.Parse(settings.Shard), launch);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliInputException($"--shard: {e.Message}");
        }
        // A training run holds the whole cache folder; extraction workers share it slide by slide instead.
        if (FolderLock.HolderOf(cache) is { } holder && holder.Pid != Environment.ProcessId && holder.IsAlive())
            throw new CliInputException($"The cache folder '{cache}' is in use by another run ({holder}); nothing was changed.");
        using var world = launch is null ? null : MpiWorld.Start();
        bool root = world?.IsRoot ?? true;

        var cohort = CohortLoader.Load(cfg.Manifest);
        var used = cfg.Preset.Training.Subset?.Apply(cohort) ?? cohort;
        var slides = used.Slides.ToList();
        if (root)
            console.MarkupLine($"[bold]vptsurv extract[/]: {slides.Count} slides of {Markup.Escape(used.Name)}, preset [bold]{Markup.Escape(cfg.Preset.Name)}[/], " +
                $"shard {shard}{(launch is null ? "" : $" of {launch.Launcher}")}, into {Markup.Escape(cache)}");
        var options = new ShardedExtractionOptions { Shard = shard, LockTimeout = TimeSpan.FromMinutes(settings.LockTimeoutMinutes) };
        // Only rank 0 draws bars; the other ranks write one plain line per slide (their output interleaves under mpirun).
        var summary = root
            ? ProgressView.Run(console, view => ShardedExtraction.Run(cfg.Preset, used, slides, cache,
                options with { Progress = view.For("extract"), Log = run.Log }, cancellationToken), cancellationToken)
            : ShardedExtraction.Run(cfg.Preset, used, slides, cache, options with { Log = line => Console.WriteLine($"rank {world!.Rank}: {line}") }, cancellationToken);

        var stateDir = ShardedExtraction.StateDirectory(cache);
        summary.Save(stateDir, ExtractionSummary.FileStem(shard));
        var merged = MergeShards(stateDir, shard, world);
        if (root)
        {
            console.WriteLine((merged ?? summary).ToMarkdown());
            console.MarkupLine($"Summary: {Markup.Escape(Path.Combine(stateDir, (merged is null ? ExtractionSummary.FileStem(shard) : "extract-summary") + ".json"))}");
        }
        else console.WriteLine($"rank {world!.Rank}: {summary.Extracted} extracted, {summary.Skipped} skipped, {summary.Failed.Count} failed, {summary.TilesPerSecond.ToString("F1", CultureInfo.InvariantCulture)} tiles/s");
        if (summary.Failed.Count > 0) return ExitCodes.BadInput;
        return summary.Busy.Count > 0 ? ExitCodes.Failure : ExitCodes.Success;
    }

    /// <summary>
    /// The whole job's summary, written as extract-summary.json/.md: under MPI by rank 0 after every rank wrote its own;
    /// with --shard by whichever worker finds all n shard summaries present (each shard's latest run). Null when not (yet) whole.
    /// </summary>
    private static ExtractionSummary? MergeShards(string stateDir, Shard shard, MpiWorld? world)
    {
        if (shard.IsWhole) return null;
        world?.Barrier();
        if (world is { IsRoot: false }) return null;
        var paths = Enumerable.Range(0, shard.Count).Select(i => Path.Combine(stateDir, ExtractionSummary.FileStem(new Shard(i, shard.Count)) + ".json")).ToList();
        if (!paths.All(File.Exists)) return null;
        var merged = ExtractionSummary.Merge([.. paths.Select(ExtractionSummary.Load)]);
        merged.Save(stateDir, "extract-summary");
        return merged;
    }
}
