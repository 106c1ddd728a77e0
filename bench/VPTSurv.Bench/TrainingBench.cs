using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// The training engine on the Cpu preset, side by side in one run: (1) end-to-end step time and peak RSS at N = 50,
/// 200, 800 tiles with and without gradient caching, each configuration in a fresh child process (VmHWM of that
/// process, so peaks do not mix); (2) two-stage feature extraction tiles/s; (3) one training step fed by real bag
/// loading from synthetic slides versus the same bags from the in-memory tile pool and from preloaded tensors.
/// </summary>
internal static class TrainingBench
{
    private static readonly int[] Ns = [50, 200, 800];

    [Benchmark("training")]
    public static JsonNode Run()
    {
        var memory = new JsonArray();
        foreach (var n in Ns)
            foreach (var caching in new[] { false, true })
                memory.Add(Child(n, caching));
        return new JsonObject
        {
            ["preset"] = "cpu",
            ["torch_threads"] = get_num_threads(),
            ["end_to_end_step"] = memory,
            ["two_stage_extraction"] = Extraction(),
            ["bag_loading"] = BagLoadingBench.Run(),
        };
    }

    // ---- (1) one configuration per child process ----

    private static JsonNode Child(int n, bool caching) =>
        ChildBenchmark.Run("training-step-child",
            new Dictionary<string, string> { ["VPTSURV_BENCH_N"] = n.ToString(), ["VPTSURV_BENCH_CACHING"] = caching ? "1" : "0" },
            new JsonObject { ["n"] = n, ["gradient_caching"] = caching });

    [Benchmark("training-step-child")]
    public static JsonNode StepChild()
    {
        int n = int.Parse(Environment.GetEnvironmentVariable("VPTSURV_BENCH_N") ?? "50");
        bool caching = Environment.GetEnvironmentVariable("VPTSURV_BENCH_CACHING") == "1";
        var preset = Preset.Cpu;
        double rssStart = Rss("VmRSS");
        using var model = preset.BuildModel();
        using var optimizer = OptimizerFactory.Create(model, 1e-4, 1e-2);
        var gen = new TorchSharp.torch.Generator(1);
        int t = preset.Training.TileSize;
        using var tiles = randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        using var context = randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        double rssLoaded = Rss("VmRSS");
        model.train();
        var times = new List<double>();
        for (int i = 0; i < 2; i++) // step 1 allocates AdamW's moments; step 2 is the steady state
        {
            var sw = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            EndToEndStep.Accumulate(model, new SlideInput(tiles, context), 1, true, 1.0, caching, microBatch: 50);
            optimizer.step();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return new JsonObject
        {
            ["n"] = n,
            ["gradient_caching"] = caching,
            ["micro_batch"] = caching ? 50 : null,
            ["step_seconds"] = Math.Round(times[^1], 3),
            ["first_step_seconds"] = Math.Round(times[0], 3),
            ["tiles_per_s"] = Math.Round(n / times[^1], 1),
            ["peak_rss_mb"] = Math.Round(Rss("VmHWM"), 1),
            ["rss_before_model_mb"] = Math.Round(rssStart, 1),
            ["rss_with_inputs_mb"] = Math.Round(rssLoaded, 1),
            ["peak_minus_inputs_mb"] = Math.Round(Rss("VmHWM") - rssLoaded, 1),
        };
    }

    private static double Rss(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }

    // ---- (2) two-stage extraction ----

    private static JsonNode Extraction()
    {
        var preset = Preset.Cpu with { Training = Preset.Cpu.Training with { TilePool = 64 } };
        var cohort = SyntheticCohorts.Generate(SyntheticCohortConfig.Cd8).Cohort;
        var slides = cohort.SlidesIn(Split.Train).Take(4).ToList();
        var dir = Directory.CreateTempSubdirectory("vptsurv-bench-extract-").FullName;
        try
        {
            var options = new TrainerOptions { WorkDirectory = dir };
            var sw = Stopwatch.StartNew();
            using (TilePoolSource.Build(cohort, slides, 64, preset.Training.TileSize, preset.Training.TargetMpp, true, Path.Combine(dir, "tiles"))) { }
            double poolSeconds = sw.Elapsed.TotalSeconds;
            var pipeline = new TwoStagePipeline(preset, options);
            sw.Restart();
            using var first = pipeline.Extract(cohort, slides, new FeatureCache(Path.Combine(dir, "features")));
            double extractSeconds = sw.Elapsed.TotalSeconds;
            sw.Restart();
            using var again = pipeline.Extract(cohort, slides, new FeatureCache(Path.Combine(dir, "features")));
            double cachedSeconds = sw.Elapsed.TotalSeconds;
            return new JsonObject
            {
                ["slides"] = slides.Count,
                ["tiles_per_slide"] = 64,
                ["tile_pool_seconds_per_slide"] = Math.Round(poolSeconds / slides.Count, 3),
                ["extraction_tiles_per_s"] = Math.Round(first.TilesPerSecond, 1),
                ["extraction_seconds"] = Math.Round(extractSeconds, 3),
                ["second_call_from_cache"] = again.FromCache,
                ["second_call_seconds"] = Math.Round(cachedSeconds, 3),
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
