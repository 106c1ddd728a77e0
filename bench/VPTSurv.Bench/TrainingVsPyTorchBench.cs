using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// The Cpu-preset model (structure + scale prompts) against its PyTorch twin (bench/pytorch_twin, Debian
/// python3-torch), one run, each measurement in a fresh process of its own: an end-to-end training step (one bag of N
/// tiles with context, AdamW) at N = 50, 200, 800, with and without gradient caching (micro-batch 50), on 1 and 2
/// threads; a per-stage profile of the plain step at N = 200 on 1 thread; two-stage feature extraction (frozen
/// encoder, micro-batch 64) tiles/s at N = 800. The two sides alternate which goes first, point by point, and every
/// result carries /proc/loadavg before and after (the machine is shared). Skips with the reason when /usr/bin/python3
/// has no torch. <c>dotnet run -c Release --project bench/VPTSurv.Bench -- training-vs-pytorch --out bench/results/training-vs-pytorch.json</c>
/// </summary>
internal static class TrainingVsPyTorchBench
{
    private static readonly int[] Ns = [50, 200, 800];
    private static readonly int[] Threads = [1, 2];
    private const int MicroBatch = 50;

    [Benchmark("training-vs-pytorch")]
    public static JsonNode Run()
    {
        if (PyTorchTwin.Missing() is { } why)
        {
            Console.Error.WriteLine($"training-vs-pytorch: skipped, {why}");
            return new JsonObject { ["skipped"] = why };
        }
        var uptimeStart = Uptime();
        int point = 0;
        var steps = new JsonArray();
        foreach (var threads in Threads)
            foreach (var n in Ns)
                foreach (var caching in new[] { false, true })
                {
                    int repeats = n >= 800 ? 1 : 2;
                    var env = new Dictionary<string, string>
                    {
                        ["VPTSURV_TVP_MODE"] = "step", ["VPTSURV_TVP_N"] = n.ToString(), ["VPTSURV_TVP_CACHING"] = caching ? "1" : "0",
                        ["VPTSURV_TVP_THREADS"] = threads.ToString(), ["VPTSURV_TVP_REPEATS"] = repeats.ToString(),
                        ["VPTSURV_TVP_MICRO_BATCH"] = MicroBatch.ToString(),
                    };
                    var twinConfig = new JsonObject { ["mode"] = "step", ["n"] = n, ["caching"] = caching, ["repeats"] = repeats, ["micro_batch"] = MicroBatch };
                    var (ours, twin, order) = Pair(point++, env, threads, twinConfig);
                    steps.Add(new JsonObject
                    {
                        ["threads"] = threads, ["n"] = n, ["caching"] = caching, ["first"] = order,
                        ["twin_over_ours"] = Ratio(twin, ours, "step_seconds"),
                        ["ours_step_seconds"] = ours["step_seconds"]?.DeepClone(), ["twin_step_seconds"] = twin["step_seconds"]?.DeepClone(),
                        ["ours_peak_rss_mb"] = ours["peak_rss_mb"]?.DeepClone(), ["twin_peak_rss_mb"] = twin["peak_rss_mb"]?.DeepClone(),
                        ["ours"] = ours, ["twin"] = twin,
                    });
                    Console.Error.WriteLine($"  threads {threads} N {n} caching {caching}: ours {ours["step_seconds"]} s, twin {twin["step_seconds"]} s");
                }

        var profileEnv = new Dictionary<string, string> { ["VPTSURV_TVP_MODE"] = "profile", ["VPTSURV_TVP_N"] = "200", ["VPTSURV_TVP_THREADS"] = "1", ["VPTSURV_TVP_REPEATS"] = "3" };
        var (oursProfile, twinProfile, profileOrder) = Pair(point++, profileEnv, 1, new JsonObject { ["mode"] = "profile", ["n"] = 200, ["repeats"] = 3 });
        var table = new JsonArray();
        if (oursProfile["stages_seconds"] is JsonObject os && twinProfile["stages_seconds"] is JsonObject ts)
            foreach (var (stage, value) in os)
            {
                double o = value!.GetValue<double>(), t = ts[stage]?.GetValue<double>() ?? double.NaN;
                table.Add(new JsonObject { ["stage"] = stage, ["ours_seconds"] = o, ["twin_seconds"] = t, ["twin_over_ours"] = o > 0 ? Math.Round(t / o, 2) : null });
            }

        var features = new JsonArray();
        foreach (var threads in Threads)
        {
            var env = new Dictionary<string, string> { ["VPTSURV_TVP_MODE"] = "features", ["VPTSURV_TVP_N"] = "800", ["VPTSURV_TVP_THREADS"] = threads.ToString(), ["VPTSURV_TVP_MICRO_BATCH"] = "64" };
            var (ours, twin, order) = Pair(point++, env, threads, new JsonObject { ["mode"] = "features", ["n"] = 800, ["micro_batch"] = 64 });
            features.Add(new JsonObject
            {
                ["threads"] = threads, ["n"] = 800, ["first"] = order,
                ["ours_tiles_per_second"] = ours["tiles_per_second"]?.DeepClone(), ["twin_tiles_per_second"] = twin["tiles_per_second"]?.DeepClone(),
                ["ours_over_twin"] = Ratio(ours, twin, "tiles_per_second"), ["ours"] = ours, ["twin"] = twin,
            });
        }

        var plain200 = steps.Select(s => s!.AsObject()).FirstOrDefault(s => (int)s["threads"]! == 1 && (int)s["n"]! == 200 && !(bool)s["caching"]!);
        return new JsonObject
        {
            ["what"] = "Cpu-preset VPTSurv (SAM-style ViT T64/P8 d96, 4 blocks, window 4, global 1/3, structure+scale prompts, r 12, decoder 2x96, 4 bins): "
                + "one AdamW training step on one bag of N tiles with context, ours (TorchSharp) vs the PyTorch twin, each point in fresh processes, sides alternating",
            ["command"] = "dotnet run -c Release --project bench/VPTSurv.Bench -- training-vs-pytorch --out bench/results/training-vs-pytorch.json",
            ["preset"] = Preset.Cpu.Name,
            ["micro_batch"] = MicroBatch,
            ["uptime_start"] = uptimeStart,
            ["uptime_end"] = Uptime(),
            ["goal"] = "twin/ours >= 1.2 at N = 200 on 1 thread (plain), >= 1.0 everywhere else, ours peak RSS <= twin's",
            ["summary"] = new JsonObject
            {
                ["n200_1thread_plain_twin_over_ours"] = plain200?["twin_over_ours"]?.DeepClone(),
                ["min_twin_over_ours"] = steps.Select(s => s!["twin_over_ours"]?.GetValue<double>() ?? double.NaN).Min(),
                ["points_ours_rss_not_higher"] = steps.Count(s => s!["ours_peak_rss_mb"]?.GetValue<double>() <= s["twin_peak_rss_mb"]?.GetValue<double>()),
                ["points"] = steps.Count,
            },
            ["steps"] = steps,
            ["profile"] = new JsonObject { ["n"] = 200, ["threads"] = 1, ["first"] = profileOrder, ["table"] = table, ["ours"] = oursProfile, ["twin"] = twinProfile },
            ["features"] = features,
        };
    }

    /// <summary>Ours and the twin at one point, ours first on even points and the twin first on odd ones.</summary>
    private static (JsonObject Ours, JsonObject Twin, string First) Pair(int point, Dictionary<string, string> env, int threads, JsonObject twinConfig)
    {
        env["OMP_NUM_THREADS"] = threads.ToString();
        JsonObject RunOurs() => ChildBenchmark.Run("training-vs-pytorch-child", env, new JsonObject()).AsObject();
        JsonObject RunTwin()
        {
            try { return PyTorchTwin.Run(twinConfig, threads); }
            catch (InvalidOperationException e) { return new JsonObject { ["error"] = e.Message }; }
        }
        if (point % 2 == 0)
        {
            var o = RunOurs();
            return (o, RunTwin(), "ours");
        }
        var t = RunTwin();
        return (RunOurs(), t, "twin");
    }

    private static double? Ratio(JsonObject a, JsonObject b, string key)
    {
        if (a[key] is not JsonValue av || b[key] is not JsonValue bv) return null;
        double x = av.GetValue<double>(), y = bv.GetValue<double>();
        return y > 0 ? Math.Round(x / y, 3) : null;
    }

    internal static JsonArray LoadAverage() =>
        new(File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(v => (JsonNode)double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());

    private static JsonObject Uptime()
    {
        string text;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true })!;
            text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception) { text = "uptime not available"; }
        return new JsonObject { ["uptime"] = text, ["load_average"] = LoadAverage(), ["utc"] = DateTime.UtcNow.ToString("O") };
    }
}
