using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Encoders;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Survival;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// Our side of bench training-vs-pytorch, one fresh process per measurement (so VmHWM is its own). Mirrors twin.py:
/// <c>step</c> (the library's <c>EndToEndStep.Accumulate</c> plus AdamW, warm-up step then the median of the
/// repeats; forward = up to the logits, read through its onLogits callback), <c>profile</c> (one plain step cut into
/// the same stages as twin.py's profiled_step) and <c>features</c> (two-stage <see cref="VPTSurvModel.FrozenFeatures"/>
/// in micro-batches). Environment: VPTSURV_TVP_MODE, VPTSURV_TVP_N, VPTSURV_TVP_CACHING, VPTSURV_TVP_THREADS,
/// VPTSURV_TVP_REPEATS, VPTSURV_TVP_MICRO_BATCH.
/// </summary>
internal static class TrainingVsPyTorchChild
{
    private static int Env(string key, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("VPTSURV_TVP_" + key), out var v) ? v : fallback;

    [Benchmark("training-vs-pytorch-child")]
    public static JsonNode Run()
    {
        int threads = Env("THREADS", 1);
        // As the vptsurv tool and the notebooks run (VPTSURV_MALLOC=system measures the C allocator as it comes).
        var allocator = VPTSurv.Runtime.NativeAllocator.Configure();
        set_num_threads(threads);
        var before = TrainingVsPyTorchBench.LoadAverage();
        var mode = Environment.GetEnvironmentVariable("VPTSURV_TVP_MODE") ?? "step";
        JsonObject result = mode switch
        {
            "step" => Step(Env("N", 200), Env("CACHING", 0) == 1, Env("REPEATS", 2), Env("MICRO_BATCH", 50)),
            "profile" => Profile(Env("N", 200), Env("REPEATS", 3)),
            "features" => Features(Env("N", 800), Env("REPEATS", 2), Env("MICRO_BATCH", 64)),
            _ => throw new ArgumentException($"VPTSURV_TVP_MODE must be step, profile or features, got '{mode}'."),
        };
        result["side"] = "vptsurv";
        result["allocator"] = allocator.Message;
        result["mode"] = mode;
        result["threads"] = get_num_threads();
        result["load_average_before"] = before;
        result["load_average_after"] = TrainingVsPyTorchBench.LoadAverage();
        return result;
    }

    private static (VPTSurvModel Model, AdamW Optimizer, Tensor Tiles, Tensor Context) Setup(int n)
    {
        var preset = Preset.Cpu;
        var model = preset.BuildModel();
        var optimizer = OptimizerFactory.Create(model, preset.Training.LearningRate, preset.Training.WeightDecay);
        int t = preset.Training.TileSize;
        var gen = new Generator(1);
        var tiles = randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        var context = randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        model.train();
        return (model, optimizer, tiles, context);
    }

    private static JsonObject Step(int n, bool caching, int repeats, int microBatch)
    {
        var (model, optimizer, tiles, context) = Setup(n);
        double rssInputs = Rss("VmRSS");
        double loss = double.NaN;
        (double Step, double Forward, double Backward, double Optimizer) Once()
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            optimizer.zero_grad();
            double forward = 0;
            loss = EndToEndStep.Accumulate(model, new SlideInput(tiles, context), 1, true, 1.0, caching, microBatch,
                _ => forward = sw.Elapsed.TotalSeconds);
            double accumulated = sw.Elapsed.TotalSeconds;
            optimizer.step();
            double total = sw.Elapsed.TotalSeconds;
            return (total, forward, accumulated - forward, total - accumulated);
        }
        var first = Once();
        long faults = MinorFaults();
        var runs = Enumerable.Range(0, repeats).Select(_ => Once()).ToList();
        faults = MinorFaults() - faults;
        return new JsonObject
        {
            ["n"] = n,
            ["minor_faults_per_step"] = faults / repeats,
            ["caching"] = caching,
            ["step_seconds"] = Median(runs.Select(r => r.Step)),
            ["first_step_seconds"] = Math.Round(first.Step, 3),
            ["forward_seconds"] = Median(runs.Select(r => r.Forward)),
            ["backward_seconds"] = Median(runs.Select(r => r.Backward)),
            ["optimizer_seconds"] = Median(runs.Select(r => r.Optimizer)),
            ["all_step_seconds"] = new JsonArray(runs.Select(r => (JsonNode)Math.Round(r.Step, 4)).ToArray()),
            ["peak_rss_mb"] = Math.Round(Rss("VmHWM"), 1),
            ["rss_with_inputs_mb"] = Math.Round(rssInputs, 1),
            ["loss"] = Math.Round(loss, 5),
        };
    }

    private static JsonObject Profile(int n, int repeats)
    {
        var (model, optimizer, tiles, context) = Setup(n);
        var children = model.Encoder.named_children().ToDictionary(c => c.name, c => c.module);
        var vit = model.Encoder.Vit;
        var samConfig = (SamViTConfig)vit.Config;
        var tile = (VPTSurv.Prompts.TilePromptSource)children["tile"];
        var structure = (StructureSource)children["structure"];
        var scale = (ScaleSource)children["scale"];
        var adaptors = (ModuleList<Adaptor>)children["adaptors"];
        var up = model.Encoder.Up;

        Dictionary<string, double> Once()
        {
            using var scope = NewDisposeScope();
            var t = new Dictionary<string, double>();
            var sw = Stopwatch.StartNew();
            void Lap(string name)
            {
                t[name] = t.GetValueOrDefault(name) + sw.Elapsed.TotalSeconds;
                sw.Restart();
            }
            optimizer.zero_grad();
            sw.Restart();
            var x = vit.Normalize(tiles);
            var t0 = vit.EmbedPatches(x);
            var state = vit.Start(t0);
            Lap("patch_embedding");
            var e = tile.forward(t0);
            Lap("tile_prompt");
            var promptInput = new PromptContext(new SlideInput(tiles, context), x, t0, vit.Normalize);
            var s = structure.forward(promptInput);
            Lap("structure_prompt");
            var c = scale.forward(promptInput); // normalises the context, as the encoder's path does
            Lap("scale_prompt");
            var all = cat([e, s, c], 1);
            for (int i = 0; i < vit.Depth; i++)
            {
                var prompt = up.forward(adaptors[i].forward(e, all));
                Lap("adaptors");
                state = vit.RunBlock(i, state, prompt);
                Lap(samConfig.WindowOf(i) > 0 ? "windowed_blocks" : "global_blocks");
            }
            var logits = model.Decode(VPTSurvModel.Pool(vit.Finish(state))).unsqueeze(0);
            Lap("pool_decoder");
            var loss = SurvivalLoss.DiscreteTimeNll(logits, tensor(new[] { 1L }), tensor(new[] { 1f }));
            Lap("loss");
            loss.backward();
            Lap("backward");
            optimizer.step();
            Lap("optimizer");
            return t;
        }
        Once();
        var runs = Enumerable.Range(0, repeats).Select(_ => Once()).ToList();
        var stages = new JsonObject();
        double total = 0;
        foreach (var key in runs[0].Keys)
        {
            double m = Median(runs.Select(r => r[key]));
            stages[key] = m;
            total += m;
        }
        return new JsonObject { ["n"] = n, ["stages_seconds"] = stages, ["total_seconds"] = Math.Round(total, 4), ["peak_rss_mb"] = Math.Round(Rss("VmHWM"), 1) };
    }

    private static JsonObject Features(int n, int repeats, int microBatch)
    {
        var (model, _, tiles, _) = Setup(n);
        model.eval();
        double Once()
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var parts = new List<Tensor>();
            for (long start = 0; start < n; start += microBatch)
                parts.Add(model.FrozenFeatures(tiles.narrow(0, start, Math.Min(microBatch, n - start))));
            cat(parts, 0);
            return sw.Elapsed.TotalSeconds;
        }
        Once();
        double secs = Median(Enumerable.Range(0, repeats).Select(_ => Once()));
        return new JsonObject
        {
            ["n"] = n, ["micro_batch"] = microBatch, ["seconds"] = secs, ["tiles_per_second"] = Math.Round(n / secs, 1),
            ["peak_rss_mb"] = Math.Round(Rss("VmHWM"), 1),
        };
    }

    private static double Median(IEnumerable<double> values) => Math.Round(BenchStatistics.Median(values), 4);

    /// <summary>Minor page faults of this process so far (getrusage RUSAGE_SELF, ru_minflt).</summary>
    private static long MinorFaults()
    {
        var usage = new long[18]; // struct rusage: two timevals (4 longs), ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ...
        return GetRusage(0, usage) == 0 ? usage[8] : -1;
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [System.Runtime.InteropServices.Out] long[] usage);

    internal static double Rss(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }
}
