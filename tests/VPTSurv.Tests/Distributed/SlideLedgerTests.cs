using System.Text.Json;
using VPTSurv.Distributed.Sharding;
using Xunit;

namespace VPTSurv.Tests.Distributed;

/// <summary>Per-slide locks, state files and the run summary.</summary>
public sealed class SlideLedgerTests
{
    private static SlideLedger Ledger(string dir) => new(dir, new Shard(0, 2), TimeSpan.FromMinutes(5));

    private static string TempDir() => Directory.CreateTempSubdirectory("vptsurv-ledger-").FullName;

    [Fact]
    public void A_held_slide_is_busy_for_another_claim_and_free_once_released()
    {
        var ledger = Ledger(TempDir());
        using (var first = ledger.TryClaim("S 1", out _))
        {
            Assert.NotNull(first);
            Assert.Null(ledger.TryClaim("S 1", out var holder)); // a second open of the OS lock fails, in this process too
            Assert.Equal(Environment.ProcessId, holder!.Pid);
            using var other = ledger.TryClaim("S 2", out _);
            Assert.NotNull(other); // locks are per slide
        }
        using var again = ledger.TryClaim("S 1", out _);
        Assert.NotNull(again);
        Assert.Null(again!.TakenOver); // a clean release leaves no holder to take over
    }

    [Fact]
    public void The_lock_of_a_dead_worker_is_taken_over_and_named()
    {
        var dir = TempDir();
        var ledger = Ledger(dir);
        // A worker killed with -9: the kernel dropped its OS lock, its holder record stays.
        var dead = new SlideLockHolder(int.MaxValue - 7, Environment.MachineName, DateTime.UtcNow.AddMinutes(-1), "1/2");
        File.WriteAllText(ledger.LockPath("S1") + ".holder", JsonSerializer.Serialize(dead, SlideLedger.Json));
        using var claim = ledger.TryClaim("S1", out _);
        Assert.NotNull(claim);
        Assert.Equal(dead.Pid, claim!.TakenOver!.Pid);
    }

    [Fact]
    public void A_holder_on_another_host_counts_until_the_timeout()
    {
        var now = DateTime.UtcNow;
        var remote = new SlideLockHolder(1, "another-host-" + Guid.NewGuid().ToString("N"), now.AddMinutes(-4), "0/2");
        Assert.True(remote.IsLive(TimeSpan.FromMinutes(5), now));
        Assert.False(remote.IsLive(TimeSpan.FromMinutes(3), now));
        var self = new SlideLockHolder(Environment.ProcessId, Environment.MachineName, now, "0/1");
        Assert.True(self.IsLive(TimeSpan.FromTicks(1), now.AddDays(1))); // a running process on this host counts whatever the age
    }

    [Fact]
    public void States_round_trip_with_lower_case_statuses_and_an_unreadable_state_counts_as_none()
    {
        var ledger = Ledger(TempDir());
        ledger.Write(new SlideState("S/1", SlideStatus.Failed, "abc", Error: "cannot read level 0", Attempts: 2, Worker: ledger.Worker));
        var back = ledger.Read("S/1")!;
        Assert.Equal(SlideStatus.Failed, back.Status);
        Assert.Equal("cannot read level 0", back.Error);
        Assert.Equal(2, back.Attempts);
        Assert.Contains("\"status\": \"failed\"", File.ReadAllText(ledger.StatePath("S/1")));
        File.WriteAllText(ledger.StatePath("S/1"), "{ half a fi");
        Assert.Null(ledger.Read("S/1"));
    }

    [Fact]
    public void A_dead_writers_temporary_files_of_a_slide_are_deleted_and_no_other_slides()
    {
        var dir = TempDir();
        string guid = Guid.NewGuid().ToString("N"), key = "0123456789abcdef";
        string[] mine = [$".S1.{guid}.tmp.json", $".S1-{key}.{guid}.tmp.safetensors", $".S1-{key}.{guid}.tmp"];
        string[] others = [$".S1-2-{key}.{guid}.tmp.safetensors", $".S10.{guid}.tmp.json", "S1.json", $"S1-{key}.safetensors"];
        foreach (var f in mine.Concat(others)) File.WriteAllText(Path.Combine(dir, f), "x");
        Assert.Equal(3, SlideLedger.DeleteLeftovers(dir, "S1"));
        Assert.Equal(others.Order(), Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Summaries_merge_by_adding_counts_and_keeping_the_slowest_wall_time()
    {
        var a = new ShardSummary("0/2", 5, 4, 0, 1, [new SlideFailure("S3", "bad, \"file\"")], [], 1, 400, 10);
        var b = new ShardSummary("1/2", 5, 5, 0, 0, [], [new SlideFailure("S8", "locked by pid 9")], 0, 500, 20);
        var m = ShardSummary.Merge([a, b]);
        Assert.Equal((10, 9, 1, 900L, 20.0), (m.Slides, m.Processed, m.Skipped, m.Tiles, m.Seconds));
        Assert.Equal(45, m.TilesPerSecond, 9);
        Assert.False(m.Complete);
        var dir = TempDir();
        var back = ShardSummary.Load(m.Save(dir, "x"));
        Assert.Equal(m.ToJson(), back.ToJson());
        var md = File.ReadAllText(Path.Combine(dir, "x.md"));
        Assert.Contains("| 0/2+1/2 | 10 | 9 | 0 | 1 | 1 | 1 | 1 | 900 | 20.0 | 45.0 |", md);
        Assert.Contains("- failed: `S3`: bad, \"file\"", md);
    }
}
