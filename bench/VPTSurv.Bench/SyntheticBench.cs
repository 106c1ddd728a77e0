using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Bench;

/// <summary>Synthetic slide rendering speed: tiles per second on one thread, at the tile sizes training reads.</summary>
internal static class SyntheticBench
{
    /// <summary>Tile origins (level 0) whose area is mostly tissue, spread over the slide deterministically.</summary>
    internal static List<(long X, long Y)> TissueTiles(SyntheticSlide slide, int tile, int count)
    {
        int lvl = slide.LevelDimensions.Count - 1;
        long ds = (long)slide.LevelDownsamples[lvl];
        var (w, h) = slide.LevelDimensions[lvl];
        var mask = slide.TrueTissueMask(0, 0, lvl, (int)w, (int)h);
        var found = new List<(long, long)>();
        int step = Math.Max(1, (int)(tile / ds));
        for (int j = 0; j + step <= h; j += step)
            for (int i = 0; i + step <= w; i += step)
            {
                int on = 0;
                for (int y = j; y < j + step; y++)
                    for (int x = i; x < i + step; x++)
                        if (mask[y * w + x]) on++;
                if (on >= 0.9 * step * step) found.Add((i * ds, j * ds));
            }
        var rng = new Random(17);
        return [.. found.OrderBy(_ => rng.Next()).Take(count)];
    }

    /// <summary>Tiles per wall-clock second and per CPU second of this process (the machine is shared, so the
    /// CPU-time rate is the one that says what one core does; the rendering itself is single-threaded).</summary>
    private static JsonObject TilesPerSecond(SyntheticSlide slide, List<(long X, long Y)> tiles, int level, int size)
    {
        foreach (var (x, y) in tiles) slide.ReadRegion(x, y, level, size, size); // warm-up (tiered JIT)
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        foreach (var (x, y) in tiles) slide.ReadRegion(x, y, level, size, size);
        double wall = sw.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        return new JsonObject
        {
            ["per_wall_s"] = Math.Round(tiles.Count / wall, 1),
            ["per_cpu_s"] = Math.Round(tiles.Count / cpu, 1),
        };
    }

    private static double? LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (IOException) { return null; }
    }

    [Benchmark("synthetic")]
    public static JsonNode Run()
    {
        var spec = SyntheticSlideSpec.Parse("synthetic:v1;seed=123;stain=CD8;immune=0.7;infiltration=0.2;grade=0.5;architecture=0.3");
        using var slide = new SyntheticSlide(spec);
        var tiles = TissueTiles(slide, 256, 200);
        var sw = Stopwatch.StartNew();
        int thumbLevel = slide.LevelDimensions.Count - 1;
        var (tw, th) = slide.LevelDimensions[thumbLevel];
        slide.ReadRegion(0, 0, thumbLevel, (int)tw, (int)th);
        double thumbSeconds = sw.Elapsed.TotalSeconds;
        return new JsonObject
        {
            ["spec"] = slide.Spec,
            ["level0"] = $"{slide.LevelDimensions[0].Width}x{slide.LevelDimensions[0].Height}",
            ["threads"] = 1,
            ["tiles"] = tiles.Count,
            ["load_average_1min"] = LoadAverage(),
            ["tiles_128_level0"] = TilesPerSecond(slide, tiles, 0, 128),
            ["tiles_256_level0"] = TilesPerSecond(slide, tiles, 0, 256),
            ["tiles_64_level1"] = TilesPerSecond(slide, tiles, 1, 64),
            ["tiles_128_level1"] = TilesPerSecond(slide, tiles, 1, 128),
            ["thumbnail"] = $"{tw}x{th}",
            ["thumbnail_seconds"] = Math.Round(thumbSeconds, 3),
        };
    }
}
