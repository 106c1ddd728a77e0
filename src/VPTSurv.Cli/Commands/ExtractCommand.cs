using System.ComponentModel;
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
    public sealed class Settings : ShardedRunSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Folder whose cache/ receives the features (default out/features); or give --cache directly.")]
        public string Out { get; init; } = Path.Combine("out", "features");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = RunContext.Create(settings, console);
        var cfg = run.Config;
        var cache = Path.GetFullPath(settings.Cache ?? Path.Combine(settings.Out, "cache"));
        var (shard, launch, lockTimeout) = ShardReport.Resolve(settings);
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
        var options = new ShardedExtractionOptions { Shard = shard, LockTimeout = lockTimeout, Device = run.Device };
        // Only rank 0 draws bars; the other ranks log plain lines.
        var summary = root
            ? ProgressView.Run(console, view => ShardedExtraction.Run(cfg.Preset, used, slides, cache,
                options with { Progress = view.For("extract"), Log = run.Log }, cancellationToken), cancellationToken)
            : ShardedExtraction.Run(cfg.Preset, used, slides, cache, options with { Log = ShardReport.RankLog(world!) }, cancellationToken);

        var stateDir = ShardedExtraction.StateDirectory(cache);
        ShardReport.Print(console, summary, summary.SaveAndMerge(stateDir, "extract", shard, world), stateDir, "extract", shard, world);
        return ShardReport.ExitCode(summary);
    }
}
