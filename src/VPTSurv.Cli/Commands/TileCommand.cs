using System.ComponentModel;
using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Distributed.Mpi;
using VPTSurv.Distributed.Sharding;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using VPTSurv.Training;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Tissue detection and tiling: for each slide (files, or a manifest's slides) a tissue mask, a QC thumbnail with the
/// kept tiles drawn on it, and the tile coordinates at the preset's tile size and MPP; plus tiles.csv, one row per
/// slide. A slide that cannot be read is listed with its error and the others go on (exit 2 at the end).
/// With <c>--shard i/n</c>, or under mpirun/srun, several workers share the slides and the folder: each slide is claimed
/// through a lock and a state file in <c>&lt;out&gt;/state</c> (<see cref="ShardedWork"/>), a rerun skips finished slides
/// and takes over those of a dead worker, and the per-slide states and <c>tile-summary.json</c> take the place of tiles.csv.
/// </summary>
public sealed class TileCommand(IAnsiConsole console) : Command<TileCommand.Settings>
{
    public sealed class Settings : ShardedRunSettings
    {
        [CommandArgument(0, "[SLIDES]")]
        [Description("Slide files (.svs, .ndpi, .mrxs, .tif, …); without them, the slides of --manifest.")]
        public string[] Slides { get; init; } = [];

        [CommandOption("--limit <N>")]
        [Description("Only the first N slides.")]
        public int? Limit { get; init; }

        [CommandOption("--min-tissue <FRACTION>")]
        [Description("Keep tiles with at least this tissue fraction (default 0.5).")]
        public double MinTissue { get; init; } = 0.5;

        [CommandOption("--mpp <MICRONS>")]
        [Description("Level-0 microns per pixel for slides whose file does not say.")]
        public double? SlideMpp { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (default out/tiles): <slide>.tiles.json, <slide>.qc.png, tiles.csv.")]
        public string Out { get; init; } = Path.Combine("out", "tiles");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var run = RunContext.Create(settings, console);
        var s = run.Config.Preset.Training;
        if (!(settings.MinTissue is >= 0 and <= 1)) throw new CliInputException($"--min-tissue: expected a fraction in [0, 1], got {settings.MinTissue}.");
        var config = new TilingConfig(s.TileSize, s.TargetMpp, settings.MinTissue);

        List<(string Id, string Source, Func<ISlide> Open)> slides;
        if (settings.Slides.Length > 0)
        {
            foreach (var f in settings.Slides)
                if (!File.Exists(f) && !Directory.Exists(f)) throw new CliInputException($"Slide '{f}' does not exist.");
            slides = [.. settings.Slides.Select(f => (Path.GetFileNameWithoutExtension(f), Path.GetFullPath(f), (Func<ISlide>)(() => SlideSource.Open(f))))];
        }
        else
        {
            var cohort = CohortLoader.Load(run.Config.Manifest);
            var used = s.Subset?.Apply(cohort) ?? cohort;
            slides = [.. used.Slides.Select(r => (r.SlideId, used.ResolveSource(r), (Func<ISlide>)(() => used.OpenSlide(r))))];
        }
        if (settings.Limit is { } limit) slides = [.. slides.Take(Math.Max(0, limit))];
        var names = slides.Select(x => Safe(x.Id)).ToList();
        if (names.Distinct().Count() != names.Count) throw new CliInputException("Two slides have the same name; give each a distinct file name.");
        var (shard, launch, lockTimeout) = ShardReport.Resolve(settings);
        if (settings.Shard is not null || launch is not null)
            return TileSharded(run, settings, config, slides, shard, launch, lockTimeout, cancellationToken);
        using var output = new OutputFolder(settings.Out, settings.Force);
        output.Plan([.. names.SelectMany(n => new[] { $"{n}.tiles.json", $"{n}.qc.png" }), "tiles.csv"]);

        var summary = new StringBuilder("slide_id,tiles,tissue_fraction,slide_mpp,warning,error\n");
        var failed = new List<string>();
        ProgressView.Run(console, view =>
        {
            var task = view.Task("tiling", slides.Count);
            foreach (var (id, _, open) in slides)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Safe(id);
                try
                {
                    using var slide = open();
                    var (grid, tissue) = Tiler.DetectAndTile(slide, config, slideMpp: settings.SlideMpp, log: run.Log);
                    grid.Save(output[$"{name}.tiles.json"]);
                    TissueQc.Save(output[$"{name}.qc.png"], tissue, grid);
                    summary.Append(Csv(id)).Append(',').Append(grid.Count).Append(',')
                        .Append(tissue.TissueFraction.ToString("F4", CultureInfo.InvariantCulture)).Append(',')
                        .Append(grid.SlideMpp.ToString("G6", CultureInfo.InvariantCulture)).Append(',').Append(Csv(grid.Warning ?? "")).Append(",\n");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
                {
                    failed.Add($"{id}: {e.Message}");
                    summary.Append(Csv(id)).Append(",,,,,").Append(Csv(e.Message)).Append('\n');
                }
                task.Increment(1);
            }
            return 0;
        }, cancellationToken);
        AtomicFile.WriteAllText(output["tiles.csv"], summary.ToString(), output.Force);
        console.MarkupLine($"Tiled {slides.Count - failed.Count} of {slides.Count} slides at {config.TileSize} px, {config.TargetMpp} µm/px into {Markup.Escape(output.Root)}.");
        if (failed.Count == 0) return ExitCodes.Success;
        foreach (var f in failed) console.MarkupLine($"[red]failed:[/] {Markup.Escape(f)}");
        return ExitCodes.BadInput;
    }

    /// <summary>
    /// The sharded form: this worker's slides (<see cref="Shard.Take"/>) through <see cref="ShardedWork"/>, with per-slide
    /// locks and states in &lt;out&gt;/state; a slide is done when its tiles.json and QC image exist under the same
    /// fingerprint (tiling settings and source).
    /// </summary>
    private int TileSharded(RunContext run, Settings settings, TilingConfig config, List<(string Id, string Source, Func<ISlide> Open)> slides,
        Shard shard, MpiLaunch? launch, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(settings.Out);
        var stateDir = Path.Combine(root, "state");
        using var world = launch is null ? null : MpiWorld.Start();
        var ledger = new SlideLedger(stateDir, shard, lockTimeout);
        var mine = shard.Take(slides, x => x.Id).ToDictionary(x => x.Id, StringComparer.Ordinal);
        string Fingerprint(string id) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|',
            "vptsurv-tile/1", config.TileSize, config.TargetMpp.ToString("R", CultureInfo.InvariantCulture), config.MinTissueFraction.ToString("R", CultureInfo.InvariantCulture),
            settings.SlideMpp?.ToString("R", CultureInfo.InvariantCulture) ?? "file", mine[id].Source))))[..16];
        SlideOutcome Work(string id)
        {
            var name = Safe(id);
            try
            {
                using var slide = mine[id].Open();
                var (grid, tissue) = Tiler.DetectAndTile(slide, config, slideMpp: settings.SlideMpp, log: run.Log);
                TissueQc.Save(Path.Combine(root, $"{name}.qc.png"), tissue, grid);
                grid.Save(Path.Combine(root, $"{name}.tiles.json")); // last: its presence marks the slide's results whole
                return new SlideOutcome($"{name}.tiles.json", grid.Count, false, null);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
            {
                return SlideOutcome.Failure(e.Message);
            }
        }
        bool Exists(SlideState state) => File.Exists(Path.Combine(root, state.File!)) && File.Exists(Path.Combine(root, Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(state.File!)) + ".qc.png"));
        bool isRoot = world?.IsRoot ?? true;
        if (isRoot) console.MarkupLine($"[bold]vptsurv tile[/]: {slides.Count} slides, shard {shard}{(launch is null ? "" : $" of {launch.Launcher}")}, into {Markup.Escape(root)}");
        var summary = isRoot
            ? ProgressView.Run(console, view => ShardedWork.Run(ledger, [.. mine.Keys], Fingerprint, Exists, ids => [.. ids.Select(Work)], 1, view.For("tile"), run.Log, cancellationToken), cancellationToken)
            : ShardedWork.Run(ledger, [.. mine.Keys], Fingerprint, Exists, ids => [.. ids.Select(Work)], 1, null, ShardReport.RankLog(world!), cancellationToken);
        ShardReport.Print(console, summary, summary.SaveAndMerge(stateDir, "tile", shard, world), stateDir, "tile", shard, world);
        return ShardReport.ExitCode(summary);
    }

    private static string Safe(string id) => string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static string Csv(string v) => v.Contains(',') || v.Contains('"') || v.Contains('\n') ? $"\"{v.Replace("\"", "\"\"")}\"" : v;
}
