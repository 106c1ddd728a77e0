using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// The memory options of end-to-end training side by side on the Cpu preset (structure + scale prompts): one optimiser
/// step at N = 50, 200, 800 tiles for plain / activation checkpointing / gradient caching / caching + checkpointing /
/// bf16 frozen encoder / bf16 + caching + checkpointing. Each configuration runs in a fresh child process, so its
/// peak RSS (VmHWM) is its own; step time is the second step (the first allocates AdamW's moments).
/// </summary>
internal static class MemoryOptionsBench
{
    private static readonly int[] Ns = [50, 200, 800];

    private static readonly (string Name, bool Caching, bool Checkpointing, Precision Precision)[] Configurations =
    [
        ("plain", false, false, Precision.Float32),
        ("checkpointing", false, true, Precision.Float32),
        ("caching", true, false, Precision.Float32),
        ("caching+checkpointing", true, true, Precision.Float32),
        ("bf16", false, false, Precision.BFloat16),
        ("bf16+caching+checkpointing", true, true, Precision.BFloat16),
    ];

    private const int MicroBatch = 50;

    [Benchmark("memory-options")]
    public static JsonNode Run()
    {
        var rows = new JsonArray();
        foreach (var n in Ns)
            foreach (var c in Configurations)
                rows.Add(Child(n, c.Name));
        return new JsonObject
        {
            ["preset"] = "cpu",
            ["prompts"] = Preset.Cpu.Prompts.Sources.ToString(),
            ["micro_batch"] = MicroBatch,
            ["torch_threads"] = get_num_threads(),
            ["steps"] = rows,
        };
    }

    private static JsonNode Child(int n, string configuration) =>
        ChildBenchmark.Run("memory-options-child",
            new Dictionary<string, string> { ["VPTSURV_BENCH_N"] = n.ToString(), ["VPTSURV_BENCH_CONFIGURATION"] = configuration },
            new JsonObject { ["n"] = n, ["configuration"] = configuration });

    [Benchmark("memory-options-child")]
    public static JsonNode StepChild()
    {
        int n = int.Parse(Environment.GetEnvironmentVariable("VPTSURV_BENCH_N") ?? "50");
        var name = Environment.GetEnvironmentVariable("VPTSURV_BENCH_CONFIGURATION") ?? "plain";
        var c = Configurations.Single(x => x.Name == name);
        var preset = Preset.Cpu with
        {
            Training = Preset.Cpu.Training with { GradientCaching = c.Caching, ActivationCheckpointing = c.Checkpointing, Precision = c.Precision, MicroBatch = MicroBatch },
        };
        var s = preset.Training;
        using var model = preset.BuildModel();
        using var optimizer = OptimizerFactory.Create(model, s.LearningRate, s.WeightDecay);
        var gen = new Generator(1);
        int t = s.TileSize;
        using var tiles = randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        using var context = randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        double rssLoaded = Rss("VmRSS");
        model.train();
        var times = new List<double>();
        double loss = double.NaN;
        for (int i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            loss = EndToEndStep.Accumulate(model, new SlideInput(tiles, context), 1, true, 1.0, s.GradientCaching, s.MicroBatch);
            optimizer.step();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return new JsonObject
        {
            ["n"] = n,
            ["configuration"] = name,
            ["step_seconds"] = Math.Round(times[^1], 3),
            ["first_step_seconds"] = Math.Round(times[0], 3),
            ["peak_rss_mb"] = Math.Round(Rss("VmHWM"), 1),
            ["rss_with_inputs_mb"] = Math.Round(rssLoaded, 1),
            ["peak_minus_inputs_mb"] = Math.Round(Rss("VmHWM") - rssLoaded, 1),
            ["loss"] = Math.Round(loss, 5),
        };
    }

    private static double Rss(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }
}
