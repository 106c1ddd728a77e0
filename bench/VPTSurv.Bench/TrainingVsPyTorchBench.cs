using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// The Cpu-preset model (structure + scale prompts) against its PyTorch twin (bench/pytorch_twin, Debian
/// python3-torch), one run, each measurement in a fresh process of its own: an end-to-end training step (one bag of N
/// tiles with context, AdamW) at N = 50, 200, 800, with and without gradient caching (micro-batch 50), on 1 and 2
/// threads; a per-stage profile of the plain step at N = 200 on 1 thread; two-stage feature extraction (frozen
/// encoder, micro-batch 64) tiles/s at N = 800. Every point runs in several rounds (VPTSURV_TVP_ROUNDS, default 3),
/// the side that goes first alternating, because single steps vary by 20-50 % on this VM even when it is idle; the
/// ratio is of the pooled medians with a bootstrap interval, and every result carries /proc/loadavg before and after.
/// Our side sets the C allocator as the vptsurv tool does (<see cref="VPTSurv.Runtime.NativeAllocator"/>); the twin runs
/// glibc as it comes unless VPTSURV_TVP_TWIN_MALLOC=tuned. VPTSURV_TVP_THREADS_LIST (e.g. "1") limits the thread counts. Skips with the reason when /usr/bin/python3
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
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("VPTSURV_TVP_ROUNDS"), out var r) && r > 0 ? r : 3;
        int point = 0;
        var steps = new JsonArray();
        var threadCounts = Environment.GetEnvironmentVariable("VPTSURV_TVP_THREADS_LIST") is { } list ? list.Split(',').Select(int.Parse).ToArray() : Threads;
        foreach (var threads in threadCounts)
            foreach (var n in Ns)
                foreach (var caching in new[] { false, true })
                {
                    int repeats = n >= 800 ? 2 : n >= 200 ? 5 : 8;
                    var env = new Dictionary<string, string>
                    {
                        ["VPTSURV_TVP_MODE"] = "step", ["VPTSURV_TVP_N"] = n.ToString(), ["VPTSURV_TVP_CACHING"] = caching ? "1" : "0",
                        ["VPTSURV_TVP_THREADS"] = threads.ToString(), ["VPTSURV_TVP_REPEATS"] = repeats.ToString(),
                        ["VPTSURV_TVP_MICRO_BATCH"] = MicroBatch.ToString(),
                    };
                    var twinConfig = new JsonObject { ["mode"] = "step", ["n"] = n, ["caching"] = caching, ["repeats"] = repeats, ["micro_batch"] = MicroBatch };
                    var (ours, twin, orders) = Rounds(ref point, rounds, env, threads, twinConfig);
                    var o = StepTimes(ours);
                    var t = StepTimes(twin);
                    var ratio = BenchStatistics.RatioOfMedians(t, o, seed: point);
                    steps.Add(new JsonObject
                    {
                        ["threads"] = threads, ["n"] = n, ["caching"] = caching, ["rounds"] = rounds, ["repeats_per_process"] = repeats,
                        ["first"] = new JsonArray(orders.Select(x => (JsonNode)x).ToArray()),
                        ["twin_over_ours"] = ratio.Ratio, ["twin_over_ours_ci95"] = new JsonArray(ratio.Low, ratio.High),
                        ["ours_step_seconds"] = Math.Round(BenchStatistics.Median(o), 4), ["twin_step_seconds"] = Math.Round(BenchStatistics.Median(t), 4),
                        ["ours_step_seconds_range"] = new JsonArray(Math.Round(o.Min(), 4), Math.Round(o.Max(), 4)),
                        ["twin_step_seconds_range"] = new JsonArray(Math.Round(t.Min(), 4), Math.Round(t.Max(), 4)),
                        ["ours_minor_faults_per_step"] = Math.Round(BenchStatistics.Median(Values(ours, "minor_faults_per_step"))),
                        ["twin_minor_faults_per_step"] = Math.Round(BenchStatistics.Median(Values(twin, "minor_faults_per_step"))),
                        ["ours_peak_rss_mb"] = MaxOf(ours, "peak_rss_mb"), ["twin_peak_rss_mb"] = MaxOf(twin, "peak_rss_mb"),
                        // Each side's peak varies by tens of MB between fresh processes: every process's peak, so the
                        // maxima above can be read against that spread.
                        ["ours_peak_rss_mb_per_process"] = new JsonArray([.. Values(ours, "peak_rss_mb").Select(v => (JsonNode)v)]),
                        ["twin_peak_rss_mb_per_process"] = new JsonArray([.. Values(twin, "peak_rss_mb").Select(v => (JsonNode)v)]),
                        ["ours"] = new JsonArray(ours.ToArray<JsonNode?>()), ["twin"] = new JsonArray(twin.ToArray<JsonNode?>()),
                    });
                    Console.Error.WriteLine($"  threads {threads} N {n} caching {caching}: ours {BenchStatistics.Median(o):F4} s ({o.Count} steps), twin {BenchStatistics.Median(t):F4} s ({t.Count}), twin/ours {ratio.Ratio} [{ratio.Low}, {ratio.High}]");
                }

        var profileEnv = new Dictionary<string, string> { ["VPTSURV_TVP_MODE"] = "profile", ["VPTSURV_TVP_N"] = "200", ["VPTSURV_TVP_THREADS"] = "1", ["VPTSURV_TVP_REPEATS"] = "5" };
        var (oursProfile, twinProfile, profileOrder) = Pair(point++, profileEnv, 1, new JsonObject { ["mode"] = "profile", ["n"] = 200, ["repeats"] = 5 });
        var table = new JsonArray();
        if (oursProfile["stages_seconds"] is JsonObject os && twinProfile["stages_seconds"] is JsonObject ts)
            foreach (var (stage, value) in os)
            {
                double o = value!.GetValue<double>(), t = ts[stage]?.GetValue<double>() ?? double.NaN;
                table.Add(new JsonObject { ["stage"] = stage, ["ours_seconds"] = o, ["twin_seconds"] = t, ["twin_over_ours"] = o > 0 ? Math.Round(t / o, 2) : null });
            }

        var features = new JsonArray();
        foreach (var threads in threadCounts)
        {
            var env = new Dictionary<string, string> { ["VPTSURV_TVP_MODE"] = "features", ["VPTSURV_TVP_N"] = "800", ["VPTSURV_TVP_THREADS"] = threads.ToString(), ["VPTSURV_TVP_MICRO_BATCH"] = "64", ["VPTSURV_TVP_REPEATS"] = "3" };
            var (ours, twin, orders) = Rounds(ref point, rounds, env, threads, new JsonObject { ["mode"] = "features", ["n"] = 800, ["micro_batch"] = 64, ["repeats"] = 3 });
            var o = Values(ours, "tiles_per_second");
            var t = Values(twin, "tiles_per_second");
            var perRound = o.Zip(t, (a, b) => b > 0 ? a / b : double.NaN).ToList();
            features.Add(new JsonObject
            {
                ["threads"] = threads, ["n"] = 800, ["rounds"] = rounds, ["first"] = new JsonArray(orders.Select(x => (JsonNode)x).ToArray()),
                ["ours_tiles_per_second"] = Math.Round(BenchStatistics.Median(o), 1), ["twin_tiles_per_second"] = Math.Round(BenchStatistics.Median(t), 1),
                ["ours_over_twin"] = Math.Round(BenchStatistics.Median(o) / BenchStatistics.Median(t), 3),
                ["ours_over_twin_per_round"] = new JsonArray(perRound.Select(x => (JsonNode)Math.Round(x, 3)).ToArray()),
                ["ours"] = new JsonArray(ours.ToArray<JsonNode?>()), ["twin"] = new JsonArray(twin.ToArray<JsonNode?>()),
            });
            Console.Error.WriteLine($"  features threads {threads}: ours {BenchStatistics.Median(o):F1} tiles/s, twin {BenchStatistics.Median(t):F1}, per round ours/twin {string.Join(", ", perRound.Select(x => x.ToString("F3")))}");
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
            ["rounds"] = rounds,
            ["allocator"] = "ours: NativeAllocator.Configure as the vptsurv tool runs (unless VPTSURV_MALLOC=system); twin: "
                + (PyTorchTwin.TunedAllocator ? "the same glibc thresholds through MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ (VPTSURV_TVP_TWIN_MALLOC=tuned)" : "glibc as it comes, as plain PyTorch runs"),
            ["method"] = "each point: `rounds` pairs of fresh processes, the side that goes first alternating; per process a warm-up step and then "
                + "`repeats_per_process` timed steps; twin_over_ours = median of the twin's pooled step times / median of ours, 95 % interval by "
                + "bootstrap (2000 resamples of each side's pooled steps); steps vary 20-50 % within one process on this VM, so read the interval",
            ["goal"] = "twin/ours >= 1.2 at N = 200 on 1 thread (plain), >= 1.0 everywhere else, ours peak RSS <= twin's",
            ["summary"] = new JsonObject
            {
                ["n200_1thread_plain_twin_over_ours"] = plain200?["twin_over_ours"]?.DeepClone(),
                ["n200_1thread_plain_twin_over_ours_ci95"] = plain200?["twin_over_ours_ci95"]?.DeepClone(),
                ["min_twin_over_ours"] = steps.Select(s => s!["twin_over_ours"]?.GetValue<double>() ?? double.NaN).Min(),
                ["points_ours_faster_ci_above_1"] = steps.Count(s => s!["twin_over_ours_ci95"]![0]!.GetValue<double>() > 1.0),
                ["points_twin_faster_ci_below_1"] = steps.Count(s => s!["twin_over_ours_ci95"]![1]!.GetValue<double>() < 1.0),
                ["points_ours_rss_not_higher"] = steps.Count(s => s!["ours_peak_rss_mb"]?.GetValue<double>() <= s["twin_peak_rss_mb"]?.GetValue<double>()),
                ["points"] = steps.Count,
            },
            ["steps"] = steps,
            ["profile"] = new JsonObject { ["n"] = 200, ["threads"] = 1, ["first"] = profileOrder, ["table"] = table, ["ours"] = oursProfile, ["twin"] = twinProfile },
            ["features"] = features,
        };
    }

    /// <summary>
    /// Ours and the twin at one point, <paramref name="rounds"/> times, each in fresh processes; which side goes first
    /// alternates from round to round (and from point to point).
    /// </summary>
    private static (List<JsonObject> Ours, List<JsonObject> Twin, List<string> First) Rounds(ref int point, int rounds,
        Dictionary<string, string> env, int threads, JsonObject twinConfig)
    {
        var (ours, twin, first) = (new List<JsonObject>(), new List<JsonObject>(), new List<string>());
        for (int round = 0; round < rounds; round++)
        {
            var (o, t, f) = Pair(point++, env, threads, twinConfig);
            ours.Add(o);
            twin.Add(t);
            first.Add(f);
        }
        return (ours, twin, first);
    }

    /// <summary>Ours and the twin once, ours first on even points and the twin first on odd ones.</summary>
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

    private static List<double> StepTimes(List<JsonObject> runs) =>
        runs.SelectMany(r => r["all_step_seconds"] is JsonArray a ? a.Select(v => v!.GetValue<double>()) : []).ToList();

    private static List<double> Values(List<JsonObject> runs, string key) =>
        runs.Where(r => r[key] is JsonValue).Select(r => r[key]!.GetValue<double>()).ToList();

    private static double? MaxOf(List<JsonObject> runs, string key) => Values(runs, key) is { Count: > 0 } v ? v.Max() : null;

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
