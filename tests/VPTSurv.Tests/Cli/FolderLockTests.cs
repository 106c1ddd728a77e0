using System.Text.Json.Nodes;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Terminal;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>One writer per output folder and per cache: a second run is refused at once, naming the holder.</summary>
public sealed class FolderLockTests
{
    [Fact]
    public void Second_lock_on_a_folder_is_refused_naming_pid_host_and_start_time()
    {
        var dir = CliRunner.TempDir();
        using var first = FolderLock.Acquire(dir, "output folder");
        var e = Assert.Throws<CliInputException>(() => FolderLock.Acquire(dir, "output folder"));
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
        Assert.Contains($"host {Environment.MachineName}", e.Message);
        Assert.Contains(first.Holder.Started.ToString("yyyy-MM-ddTHH:mm:ss"), e.Message);
        Assert.Equal(ExitCodes.BadInput, ErrorReport.ExitCodeOf(e));
    }

    [Fact]
    public void Released_lock_can_be_taken_again_and_a_dead_holders_record_is_taken_over()
    {
        var dir = CliRunner.TempDir();
        FolderLock.Acquire(dir, "output folder").Dispose();
        // A process killed with -9 leaves its holder record behind; the kernel has released its OS lock.
        var dead = new LockHolder(FindDeadPid(), Environment.MachineName, DateTime.UtcNow.AddHours(-1), "vptsurv train (killed)");
        File.WriteAllText(Path.Combine(dir, FolderLock.FileName + ".holder"), System.Text.Json.JsonSerializer.Serialize(dead));
        using var taken = FolderLock.Acquire(dir, "output folder");
        Assert.Equal(dead, taken.TakenOver);
        Assert.Equal(Environment.ProcessId, FolderLock.HolderOf(dir)!.Pid);
    }

    [Fact]
    public void A_recorded_live_holder_on_this_host_is_not_taken_over_even_when_the_os_lock_is_free()
    {
        // Network mounts may ignore flock: the holder record of a live process (pid 1 started long ago) still refuses.
        var dir = CliRunner.TempDir();
        var live = new LockHolder(1, Environment.MachineName, DateTime.UtcNow, "another vptsurv");
        File.WriteAllText(Path.Combine(dir, FolderLock.FileName + ".holder"), System.Text.Json.JsonSerializer.Serialize(live));
        var e = Assert.Throws<CliInputException>(() => FolderLock.Acquire(dir, "cache folder"));
        Assert.Contains("pid 1 ", e.Message);
    }

    [Fact]
    public void Train_into_a_locked_folder_is_refused_at_once_and_changes_nothing()
    {
        var dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, "report.json"), "{\"mine\":true}");
        using (FolderLock.Acquire(dir, "output folder"))
        {
            var (code, output) = CliRunner.Run(["train", "--out", dir, "--force", .. CliRunner.SmallTrain]);
            Assert.True(code == ExitCodes.BadInput, output);
            Assert.Contains("in use by another run", output);
            Assert.Contains($"pid {Environment.ProcessId}", output);
        }
        Assert.Equal("{\"mine\":true}", File.ReadAllText(Path.Combine(dir, "report.json")));
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.zip")));
    }

    [Fact]
    public async Task Two_concurrent_trains_into_one_folder_one_is_refused_and_the_other_finishes_intact()
    {
        var dir = CliRunner.TempDir();
        using var start = new Barrier(2);
        (int Code, string Output) Train()
        {
            start.SignalAndWait();
            return CliRunner.Run(["train", "--out", dir, .. CliRunner.SmallTrain]);
        }
        var a = Task.Run(Train);
        var b = Task.Run(Train);
        var results = await Task.WhenAll(a, b);
        var all = string.Join("\n----\n", results.Select(r => r.Output));
        Assert.True(results.Count(r => r.Code == ExitCodes.Success) == 1, all);
        var refused = Assert.Single(results, r => r.Code == ExitCodes.BadInput);
        Assert.Contains("in use by another run", refused.Output);
        Assert.Contains($"pid {Environment.ProcessId}", refused.Output);

        // The finished run's files are whole and agree with each other: the checkpoint holds its last epoch.
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!;
        Assert.Equal("vptsurv-train/1", (string?)report["format"]);
        var meta = TrainingCheckpoint.ReadMeta(Path.Combine(dir, "checkpoint.zip"));
        Assert.Equal(2, meta.Epoch);
        Assert.Equal(meta.BestEpoch, (int)report["model"]!["best_epoch"]!);
        Assert.Null(FolderLock.HolderOf(dir)); // released at the end
    }

    private static int FindDeadPid()
    {
        for (int pid = 4_000_000; pid > 1000; pid -= 7919)
        {
            try { using var p = System.Diagnostics.Process.GetProcessById(pid); }
            catch (ArgumentException) { return pid; }
        }
        throw new InvalidOperationException("no free pid found");
    }
}
