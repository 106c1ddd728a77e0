using VPTSurv.Distributed.Sharding;
using Xunit;

namespace VPTSurv.Tests.Distributed;

/// <summary>One single-process extraction of the test cohort, the reference every sharded run must equal byte for byte.</summary>
public sealed class SingleProcessCache
{
    /// <summary>24 slides of the Smoke preset's synthetic cohort (seconds per worker).</summary>
    public static readonly string[] Cohort = ["--preset", "smoke", "--set", "training.subset={\"train\":12,\"val\":6,\"test\":6,\"seed\":1}"];

    public const int Slides = 24;

    public SingleProcessCache()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("vptsurv-extract-ref-").FullName;
        CliProcess.Run(CliProcess.Start(["extract", .. Cohort, "--cache", Directory]), TimeSpan.FromMinutes(5));
        Files = CacheFiles(Directory);
    }

    public string Directory { get; }

    public SortedDictionary<string, byte[]> Files { get; }

    /// <summary>The cache's content files (features and tile pools; not state, summaries or temporary files), by relative path.</summary>
    public static SortedDictionary<string, byte[]> CacheFiles(string cache) =>
        new(new[] { "features", "tiles" }.SelectMany(sub => System.IO.Directory.EnumerateFiles(Path.Combine(cache, sub)))
            .Where(f => !Path.GetFileName(f).StartsWith('.') && (f.EndsWith(".safetensors", StringComparison.Ordinal) || f.EndsWith(".tiles", StringComparison.Ordinal)))
            .ToDictionary(f => Path.GetRelativePath(cache, f), File.ReadAllBytes), StringComparer.Ordinal);

    public static void AssertSameBytes(SortedDictionary<string, byte[]> expected, SortedDictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, bytes) in expected)
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs from the single-process run's");
    }
}

/// <summary>
/// Sharded extraction as real processes: two workers, one killed with -9 in the middle and rerun; and mpirun -np 2. Both
/// must leave exactly the cache of one process, and the rerun must recompute nothing that was done.
/// </summary>
[Trait("Category", "Distributed")]
public sealed class ShardedExtractionTests(SingleProcessCache reference) : IClassFixture<SingleProcessCache>
{
    [Fact]
    public void A_worker_killed_mid_run_is_rerun_to_the_single_process_cache_recomputing_nothing_done()
    {
        var cache = Directory.CreateTempSubdirectory("vptsurv-extract-kill-").FullName;
        string[] Args(string shard) => ["extract", .. SingleProcessCache.Cohort, "--cache", cache, "--shard", shard];
        var ledger = new SlideLedger(ShardedExtraction.StateDirectory(cache), new Shard(1, 2), TimeSpan.FromHours(1));
        var w0 = CliProcess.Start(Args("0/2"));
        var w1 = CliProcess.Start(Args("1/2"));

        // Kill worker 1 once it has finished 3 slides of its 12.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (DoneBy(cache, "shard 1/2").Count < 3)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3) && !w1.Process.HasExited, $"worker 1 did not finish 3 slides:\n{w1.Output}");
            Thread.Sleep(50);
        }
        w1.Process.Kill(); // SIGKILL: no cleanup, its lock and a "running" state may stay behind
        w1.Process.WaitForExit();
        CliProcess.Run(w0, TimeSpan.FromMinutes(5));

        var doneBefore = DoneBy(cache, "shard 1/2");
        Assert.InRange(doneBefore.Count, 3, 11); // killed in the middle, not after its last slide
        var stamps = doneBefore.ToDictionary(s => s.SlideId, s => File.GetLastWriteTimeUtc(Path.Combine(cache, "features", s.File!)));

        CliProcess.Run(CliProcess.Start(Args("1/2")), TimeSpan.FromMinutes(5));

        var rerun = ShardSummary.Load(Path.Combine(ShardedExtraction.StateDirectory(cache), "extract-summary.shard-1-of-2.json"));
        Assert.Equal(12, rerun.Slides);
        Assert.Equal(doneBefore.Count, rerun.Skipped); // nothing done is touched
        // The rest is extracted, or found in the cache: slides of the batch the kill interrupted (at most a batch, 8) were
        // written there before their states said "done"; reading them is all the rerun does with them.
        Assert.Equal(12 - doneBefore.Count, rerun.Processed + rerun.FromCache);
        Assert.InRange(rerun.FromCache, 0, new ShardedExtractionOptions().Batch - 1);
        Assert.Empty(rerun.Failed);
        foreach (var (id, stamp) in stamps)
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(cache, "features", ledger.Read(id)!.File!)));
        var all = States(cache);
        Assert.Equal(SingleProcessCache.Slides, all.Count);
        Assert.All(all, s => Assert.Equal(SlideStatus.Done, s.Status));
        var merged = ShardSummary.Load(Path.Combine(ShardedExtraction.StateDirectory(cache), "extract-summary.json"));
        Assert.Equal(SingleProcessCache.Slides, merged.Slides);

        SingleProcessCache.AssertSameBytes(reference.Files, SingleProcessCache.CacheFiles(cache));
        // The rerun deleted the half-written temporary files the kill left behind.
        Assert.Empty(Directory.EnumerateFiles(cache, ".*.tmp*", SearchOption.AllDirectories));
    }

    [MpiFact]
    public void Two_mpirun_ranks_fill_the_cache_of_one_process_and_rank_0_writes_the_whole_summary()
    {
        var cache = Directory.CreateTempSubdirectory("vptsurv-extract-mpi-").FullName;
        var output = CliProcess.Run(CliProcess.StartMpi(2, ["extract", .. SingleProcessCache.Cohort, "--cache", cache]), TimeSpan.FromMinutes(5));

        var workers = States(cache).GroupBy(s => s.Worker![..s.Worker!.IndexOf(',')]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["shard 0/2"] = 12, ["shard 1/2"] = 12 }, workers); // the ranks split the slides
        var merged = ShardSummary.Load(Path.Combine(ShardedExtraction.StateDirectory(cache), "extract-summary.json"));
        Assert.Equal((SingleProcessCache.Slides, SingleProcessCache.Slides), (merged.Slides, merged.Processed));
        Assert.Contains("| 0/2+1/2 | 24 | 24 |", output); // printed once, by rank 0
        Assert.Equal(1, output.Split("| shards |").Length - 1);
        SingleProcessCache.AssertSameBytes(reference.Files, SingleProcessCache.CacheFiles(cache));
    }

    private static List<SlideState> States(string cache)
    {
        var dir = ShardedExtraction.StateDirectory(cache);
        return [.. Directory.EnumerateFiles(dir, "*.json").Where(f => !Path.GetFileName(f).StartsWith("extract-summary", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith('.')) // not a killed writer's temporary file
            .Select(f => System.Text.Json.JsonSerializer.Deserialize<SlideState>(File.ReadAllText(f), SlideLedger.Json)!)];
    }

    private static List<SlideState> DoneBy(string cache, string shard)
    {
        try
        {
            return [.. States(cache).Where(s => s.Status == SlideStatus.Done && s.Worker!.StartsWith(shard + ",", StringComparison.Ordinal))];
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or DirectoryNotFoundException)
        {
            return []; // the workers are still creating the folder
        }
    }
}
