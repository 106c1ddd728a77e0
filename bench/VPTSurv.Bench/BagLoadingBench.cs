using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// One Cpu-preset end-to-end training step (16 tiles with scale context, AdamW) fed three ways, side by side in one run:
/// by live bag loading from the synthetic slides (<see cref="LiveTileSource"/>: the parallel bag loader rendering and
/// reading tiles while the step runs), from the in-memory tile pool the Cpu preset trains from
/// (<see cref="TilePoolSource"/>), and from tensors loaded before the clock starts. Each round runs the three in a
/// rotated order, each pass with a fresh model of the same seed over the same bags; the first step of a pass (AdamW's
/// moments, the loader's first bag) is left out. Reports the median step per source and the ratios to preloaded tensors
/// with bootstrap 95 % intervals over the pooled steps. VPTSURV_BL_SLIDES (default 12) and VPTSURV_BL_ROUNDS (5).
/// </summary>
internal static class BagLoadingBench
{
    [Benchmark("bag-loading")]
    public static JsonNode Run()
    {
        var preset = Preset.Cpu;
        var s = preset.Training;
        int count = int.TryParse(Environment.GetEnvironmentVariable("VPTSURV_BL_SLIDES"), out var c) && c > 1 ? c : 12;
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("VPTSURV_BL_ROUNDS"), out var r) && r > 0 ? r : 5;
        var loadBefore = TrainingVsPyTorchBench.LoadAverage();
        var cohort = SyntheticCohorts.Generate(SyntheticCohortConfig.Cd8).Cohort;
        var slides = cohort.SlidesIn(Split.Train).Take(count).ToList();
        using var live = new LiveTileSource(cohort, slides, s.TileSize, s.TargetMpp,
            new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: true));
        using var pool = TilePoolSource.Build(cohort, slides, 256, s.TileSize, s.TargetMpp, true, null);
        List<TileRequest> Requests(TileSource src) => slides.Select(x => new TileRequest(x.SlideId,
            TileSampling.Training(src.CountOf(x.SlideId), s.TilesPerStep, new Random(TileSampling.SeedFor(0, 1, x.SlideId))))).ToList();
        var preloaded = pool.Load(Requests(pool)).ToList();
        try
        {
            var sources = new (string Name, Func<IEnumerable<TileBatch>> Batches)[]
            {
                ("live_bag_loading", () => Disposing(live.Load(Requests(live)))),
                ("tile_pool", () => Disposing(pool.Load(Requests(pool)))),
                ("preloaded_tensors", () => preloaded),
            };
            var steps = sources.ToDictionary(x => x.Name, _ => new List<double>());
            var perRound = sources.ToDictionary(x => x.Name, _ => new JsonArray());
            for (int round = 0; round < rounds; round++)
                for (int k = 0; k < sources.Length; k++)
                {
                    var (name, batches) = sources[(k + round) % sources.Length];
                    var times = Pass(preset, batches());
                    steps[name].AddRange(times.Skip(1));
                    perRound[name].Add(Math.Round(BenchStatistics.Median(times.Skip(1)), 4));
                    Console.Error.WriteLine($"  round {round + 1} {name}: median step {BenchStatistics.Median(times.Skip(1)):F4} s");
                }
            var pre = steps["preloaded_tensors"];
            JsonObject Ratio(string name, int seed)
            {
                var (ratio, low, high) = BenchStatistics.RatioOfMedians(steps[name], pre, seed);
                return new JsonObject { ["ratio"] = ratio, ["ci95"] = new JsonArray(low, high) };
            }
            return new JsonObject
            {
                ["tiles_per_step"] = s.TilesPerStep,
                ["slides"] = slides.Count,
                ["rounds"] = rounds,
                ["torch_threads"] = get_num_threads(),
                ["loader_threads"] = Environment.ProcessorCount,
                ["median_step_s"] = new JsonObject(sources.Select(x => KeyValuePair.Create(x.Name, (JsonNode?)Math.Round(BenchStatistics.Median(steps[x.Name]), 4)))),
                ["steps_per_source"] = pre.Count,
                ["median_step_s_per_round"] = new JsonObject(sources.Select(x => KeyValuePair.Create(x.Name, (JsonNode?)perRound[x.Name]))),
                ["live_over_preloaded"] = Ratio("live_bag_loading", 1),
                ["pool_over_preloaded"] = Ratio("tile_pool", 2),
                ["load_average_before"] = loadBefore,
                ["load_average_after"] = TrainingVsPyTorchBench.LoadAverage(),
            };
        }
        finally
        {
            foreach (var b in preloaded) b.Dispose();
        }
    }

    // Seconds of each step of one pass over the bags, with a fresh model of the preset's seed.
    private static List<double> Pass(Preset preset, IEnumerable<TileBatch> batches)
    {
        using var model = preset.BuildModel();
        using var optimizer = OptimizerFactory.Create(model, 1e-4, 1e-2);
        model.train();
        var times = new List<double>();
        var sw = Stopwatch.StartNew();
        foreach (var b in batches)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            EndToEndStep.Accumulate(model, b.Input(), 1, true, 1.0, false, preset.Training.MicroBatch);
            optimizer.step();
            times.Add(sw.Elapsed.TotalSeconds);
            sw.Restart(); // the next step's time includes waiting for its bag
        }
        return times;
    }

    private static IEnumerable<TileBatch> Disposing(IEnumerable<TileBatch> source)
    {
        foreach (var b in source)
            using (b)
                yield return b;
    }
}
