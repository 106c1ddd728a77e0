using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Terminal;
using VPTSurv.Training;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Two-stage feature extraction into the content-keyed cache (<c>&lt;cache&gt;/features</c>): the frozen encoder
/// turns each slide's candidate tiles into pooled features once; finished slides are skipped, failures logged.
/// <c>vptsurv train --method two-stage --cache</c> the same folder then trains without re-extracting.
/// </summary>
public sealed class ExtractCommand(IAnsiConsole console) : Command<ExtractCommand.Settings>
{
    public sealed class Settings : RunSettings
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
        var cohort = CohortLoader.Load(cfg.Manifest);
        using var cacheLock = FolderLock.Acquire(cache, "cache folder");
        var used = cfg.Preset.Training.Subset?.Apply(cohort) ?? cohort;
        var slides = used.Slides.ToList();
        console.MarkupLine($"[bold]vptsurv extract[/]: {slides.Count} slides of {Markup.Escape(used.Name)}, preset [bold]{Markup.Escape(cfg.Preset.Name)}[/], into {Markup.Escape(cache)}");
        var featureCache = new FeatureCache(Path.Combine(cache, "features"));
        using var set = ProgressView.Run(console, view =>
            new TwoStagePipeline(cfg.Preset, new TrainerOptions { WorkDirectory = cache, Log = run.Log })
                .Extract(used, slides, featureCache, view.For("extract")), cancellationToken);
        console.MarkupLine($"{set.Extracted} slides extracted, {set.FromCache} already in the cache, {set.Failed.Count} failed" +
            (double.IsFinite(set.TilesPerSecond) ? $" ({set.TilesPerSecond:F1} tiles/s)." : "."));
        if (set.Failed.Count == 0) return ExitCodes.Success;
        foreach (var (id, error) in set.Failed) console.MarkupLine($"[red]failed:[/] {Markup.Escape(id)}: {Markup.Escape(error)}");
        console.MarkupLine($"Failure log: {Markup.Escape(featureCache.FailureLog)}");
        return ExitCodes.BadInput;
    }
}
