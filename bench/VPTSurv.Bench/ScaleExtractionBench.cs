using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using VPTSurv.Distributed.Sharding;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// Scaling out feature extraction, side by side in one run: `vptsurv extract` at the Cpu preset on a subset of the
/// synthetic cohort as one process, then as `mpirun -np 2` (one thread per rank), each into an empty cache; tiles/s from
/// each run's summary (the extraction loop: tile pools and encoding) and from the whole command's wall time, the CPU
/// seconds of each run (getrusage of the children), and whether the two caches are byte-identical. Then the cost of one
/// allreduce of the Cpu preset's trainable-parameter gradients (float32) between 2 ranks (`vptsurv mpi-check`). The
/// same two runs again with one core per worker (taskset / mpirun --bind-to core), the scaling the cores allow. The
/// load average is recorded before and after: on a shared machine the wall-time ratio is not a clean measurement.
/// Skips with the reason when mpirun is missing.
/// </summary>
internal static class ScaleExtractionBench
{
    private static readonly string[] Cohort = ["--preset", "cpu", "--set", "training.subset={\"train\":32,\"val\":4,\"test\":4,\"seed\":0}"];

    [Benchmark("scale-extraction")]
    public static JsonNode Run()
    {
        if (MpiTwo() is not { } mpi) return NoMpi;
        var tool = Tool;
        var work = Directory.CreateTempSubdirectory("vptsurv-scale-").FullName;
        var result = new JsonObject
        {
            ["load_before"] = TrainingVsPyTorchBench.LoadAverage(),
            ["threads_per_rank"] = 1,
            ["cohort"] = string.Join(' ', Cohort),
            // With autogroup, the scheduler shares the CPUs equally among busy sessions, and mpirun's ranks are one session:
            // on a machine other sessions keep busy, 2 ranks get no more CPU than 1, and the wall ratio shows overhead, not scaling.
            ["sched_autogroup"] = File.Exists("/proc/sys/kernel/sched_autogroup_enabled") ? File.ReadAllText("/proc/sys/kernel/sched_autogroup_enabled").Trim() : "n/a",
        };
        try
        {
            var one = Extraction([tool], Path.Combine(work, "one"));
            var two = Extraction([.. mpi, tool], Path.Combine(work, "two"));
            result["one_rank"] = one.Json;
            result["two_ranks"] = two.Json;
            result["ratio_tiles_per_s"] = Math.Round(two.Summary.TilesPerSecond / one.Summary.TilesPerSecond, 3);
            result["ratio_wall"] = Math.Round(one.Wall / two.Wall, 3);
            result["ratio_tiles_per_cpu_second"] = Math.Round((two.Summary.Tiles / two.Cpu) / (one.Summary.Tiles / one.Cpu), 3);
            result["goal"] = ">= 1.7x tiles/s with 2 ranks on 2 cores";
            result["same_cache"] = SameCache(Path.Combine(work, "one"), Path.Combine(work, "two"));

            // One worker per core: the unpinned process above already spreads its .NET threads (tile pools, the bag
            // loader, GC) over both cores, so 2 ranks can at most double what one core does, not what 1.3 cores do.
            if (Pinned() is { } pinned)
            {
                var onePinned = Extraction(pinned.One, Path.Combine(work, "one-pinned"));
                var twoPinned = Extraction([.. pinned.Two, tool], Path.Combine(work, "two-pinned"));
                result["one_rank_one_core"] = onePinned.Json;
                result["two_ranks_one_core_each"] = twoPinned.Json;
                result["pinned_ratio_tiles_per_s"] = Math.Round(twoPinned.Summary.TilesPerSecond / onePinned.Summary.TilesPerSecond, 3);
                result["pinned_ratio_wall"] = Math.Round(onePinned.Wall / twoPinned.Wall, 3);
                result["pinned_same_cache"] = SameCache(Path.Combine(work, "one"), Path.Combine(work, "two-pinned"));
                // The same two shards as independent processes without MPI (`--shard i/2`, one core each): what two busy
                // cores of this machine give, so the MPI run's ratio can be read against it.
                var independent = IndependentShards(Path.Combine(work, "two-independent"));
                result["two_processes_one_core_each_no_mpi"] = independent.Json;
                result["independent_ratio_tiles_per_s"] = Math.Round(independent.Summary.TilesPerSecond / onePinned.Summary.TilesPerSecond, 3);
                result["independent_same_cache"] = SameCache(Path.Combine(work, "one"), Path.Combine(work, "two-independent"));
            }

            long floats;
            using (var model = Preset.Cpu.BuildModel()) floats = model.CountParameters().Trainable;
            var check = Path.Combine(work, "allreduce.json");
            Exec([.. mpi, tool, "mpi-check", "--values", "1", "--time-floats", floats.ToString(), "--repeats", "50", "--out", check]);
            var timing = JsonNode.Parse(File.ReadAllText(check))!["timing"]!.DeepClone();
            timing["what"] = "one in-place MPI_Allreduce (sum) of the Cpu preset's trainable parameters as float32, 2 ranks, shared memory; the slowest rank's time per call";
            result["allreduce_cpu_gradients"] = timing;
        }
        finally
        {
            result["load_after"] = TrainingVsPyTorchBench.LoadAverage();
            Directory.Delete(work, recursive: true);
        }
        return result;
    }

    /// <summary>The skipped result when mpirun is missing.</summary>
    internal static JsonObject NoMpi => new() { ["skipped"] = "mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)" };

    /// <summary>The `vptsurv` tool beside the bench.</summary>
    internal static string Tool => Path.Combine(AppContext.BaseDirectory, "VPTSurv.Cli");

    /// <summary>`mpirun -np 2` (root and oversubscription allowed, OMP_NUM_THREADS passed on), or null without mpirun.</summary>
    internal static string[]? MpiTwo() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists) is { } mpirun
            ? [mpirun, "-np", "2", "--oversubscribe", "--allow-run-as-root", "-x", "OMP_NUM_THREADS"] : null;

    /// <summary>
    /// One worker per core: `taskset -c 0` for the one process and `mpirun --bind-to core --map-by core` for 2 ranks, or
    /// null without taskset or with fewer than 2 cores.
    /// </summary>
    internal static (string[] One, string[] Two)? Pinned()
    {
        if (Environment.ProcessorCount < 2 || !File.Exists("/usr/bin/taskset") || MpiTwo() is not { } mpi) return null;
        string[] two = [.. mpi.Where(a => a != "--oversubscribe"), "--bind-to", "core", "--map-by", "core"];
        return (["/usr/bin/taskset", "-c", "0", Tool], two);
    }

    private sealed record Measured(ShardSummary Summary, double Wall, double Cpu, JsonObject Json);

    private static Measured Extraction(string[] command, string cache)
    {
        var (wall, cpu, _) = Exec([.. command, "extract", .. Cohort, "--cache", cache]);
        return Read(cache, wall, cpu);
    }

    /// <summary>`vptsurv extract --shard i/2` as two processes at once, process i pinned to core i (no MPI).</summary>
    private static Measured IndependentShards(string cache)
    {
        double cpuBefore = ChildrenCpuSeconds();
        var clock = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, 2).Select(i =>
        {
            var psi = new ProcessStartInfo("/usr/bin/taskset") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-c", i.ToString(), Tool, "extract", .. Cohort, "--cache", cache, "--shard", $"{i}/2"]) psi.ArgumentList.Add(a);
            psi.Environment["OMP_NUM_THREADS"] = "1";
            var p = Process.Start(psi)!;
            return (Process: p, Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync());
        }).ToList();
        foreach (var r in runs)
        {
            r.Process.WaitForExit();
            if (r.Process.ExitCode != 0) throw new InvalidOperationException($"extract --shard exited {r.Process.ExitCode}: {r.Out.Result}\n{r.Err.Result}");
            r.Process.Dispose();
        }
        double wall = clock.Elapsed.TotalSeconds, cpu = ChildrenCpuSeconds() - cpuBefore;
        return Read(cache, wall, cpu);
    }

    /// <summary>The merged extraction summary in <paramref name="cache"/> with the run's wall and CPU seconds.</summary>
    private static Measured Read(string cache, double wall, double cpu)
    {
        var summary = ShardSummary.Load(Path.Combine(ShardedExtraction.StateDirectory(cache), "extract-summary.json"));
        return new Measured(summary, wall, cpu, new JsonObject
        {
            ["slides"] = summary.Slides,
            ["tiles"] = summary.Tiles,
            ["loop_seconds"] = Math.Round(summary.Seconds, 2),
            ["tiles_per_s"] = Math.Round(summary.TilesPerSecond, 1),
            ["wall_seconds"] = Math.Round(wall, 2),
            ["cpu_seconds"] = Math.Round(cpu, 2),
            ["tiles_per_cpu_second"] = Math.Round(summary.Tiles / cpu, 1),
        });
    }

    /// <summary>Runs a command to the end with one thread per process; returns its wall and CPU seconds (itself and its descendants) and stdout.</summary>
    internal static (double Wall, double Cpu, string Output) Exec(string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        double cpuBefore = ChildrenCpuSeconds();
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double wall = clock.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} exited {p.ExitCode}: {stdout}\n{stderr.Result}");
        return (wall, ChildrenCpuSeconds() - cpuBefore, stdout);
    }

    private static bool SameCache(string a, string b)
    {
        static SortedDictionary<string, byte[]> Files(string root) => new(new[] { "features", "tiles" }
            .SelectMany(sub => Directory.EnumerateFiles(Path.Combine(root, sub)).Where(f => !Path.GetFileName(f).StartsWith('.')))
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes), StringComparer.Ordinal);
        var (x, y) = (Files(a), Files(b));
        return x.Keys.SequenceEqual(y.Keys) && x.All(kv => kv.Value.AsSpan().SequenceEqual(y[kv.Key]));
    }

    /// <summary>User + system CPU seconds of this process's waited-for descendants (getrusage RUSAGE_CHILDREN).</summary>
    private static double ChildrenCpuSeconds()
    {
        var usage = new long[18]; // struct rusage: two timevals (4 longs), then 14 longs
        if (GetRusage(-1, usage) != 0) return double.NaN;
        return usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6;
    }

    [DllImport("libc.so.6", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);
}
