using System.ComponentModel;
using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using VPTSurv.Training;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Tissue detection and tiling: for each slide (files, or a manifest's slides) a tissue mask, a QC thumbnail with the
/// kept tiles drawn on it, and the tile coordinates at the preset's tile size and MPP; plus tiles.csv, one row per
/// slide. A slide that cannot be read is listed with its error and the others go on (exit 2 at the end).
/// </summary>
public sealed class TileCommand(IAnsiConsole console) : Command<TileCommand.Settings>
{
    public sealed class Settings : RunSettings
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

        List<(string Id, Func<ISlide> Open)> slides;
        if (settings.Slides.Length > 0)
        {
            foreach (var f in settings.Slides)
                if (!File.Exists(f) && !Directory.Exists(f)) throw new CliInputException($"Slide '{f}' does not exist.");
            slides = [.. settings.Slides.Select(f => (Path.GetFileNameWithoutExtension(f), (Func<ISlide>)(() => SlideSource.Open(f))))];
        }
        else
        {
            var cohort = CohortLoader.Load(run.Config.Manifest);
            var used = s.Subset?.Apply(cohort) ?? cohort;
            slides = [.. used.Slides.Select(r => (r.SlideId, (Func<ISlide>)(() => used.OpenSlide(r))))];
        }
        if (settings.Limit is { } limit) slides = [.. slides.Take(Math.Max(0, limit))];
        var names = slides.Select(x => Safe(x.Id)).ToList();
        if (names.Distinct().Count() != names.Count) throw new CliInputException("Two slides have the same name; give each a distinct file name.");
        using var output = new OutputFolder(settings.Out, settings.Force);
        output.Plan([.. names.SelectMany(n => new[] { $"{n}.tiles.json", $"{n}.qc.png" }), "tiles.csv"]);

        var summary = new StringBuilder("slide_id,tiles,tissue_fraction,slide_mpp,warning,error\n");
        var failed = new List<string>();
        ProgressView.Run(console, view =>
        {
            var task = view.Task("tiling", slides.Count);
            foreach (var (id, open) in slides)
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

    private static string Safe(string id) => string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static string Csv(string v) => v.Contains(',') || v.Contains('"') || v.Contains('\n') ? $"\"{v.Replace("\"", "\"\"")}\"" : v;
}
