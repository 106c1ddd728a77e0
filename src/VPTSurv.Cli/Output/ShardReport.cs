using Spectre.Console;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Distributed.Mpi;
using VPTSurv.Distributed.Sharding;

namespace VPTSurv.Cli.Output;

/// <summary>
/// What the sharded commands (tile, extract) share on the terminal side: the shard from --shard or the launcher, the
/// rank that draws progress bars, the closing summary and the exit code.
/// </summary>
internal static class ShardReport
{
    /// <summary>The shard and the launcher (null outside mpirun/srun) of a run with <paramref name="settings"/>.</summary>
    public static (Shard Shard, MpiLaunch? Launch, TimeSpan LockTimeout) Resolve(ShardedRunSettings settings)
    {
        if (!(settings.LockTimeoutMinutes > 0)) throw new CliInputException($"--lock-timeout: expected minutes > 0, got {settings.LockTimeoutMinutes}.");
        try
        {
            var launch = MpiLaunch.Detect();
            return (Shard.Resolve(settings.Shard is null ? null : Shard.Parse(settings.Shard), launch), launch, TimeSpan.FromMinutes(settings.LockTimeoutMinutes));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliInputException($"--shard: {e.Message}");
        }
    }

    /// <summary>A log for ranks other than 0, which draw no bars: plain lines prefixed with the rank (they interleave under mpirun).</summary>
    public static Action<string> RankLog(MpiWorld world) => line => Console.WriteLine($"rank {world.Rank}: {line}");

    /// <summary>Rank 0 (or a lone worker) prints the job's table (the whole job's when known) and where it is; other ranks one line.</summary>
    public static void Print(IAnsiConsole console, ShardSummary mine, ShardSummary? whole, string directory, string job, Shard shard, MpiWorld? world)
    {
        if (world is { IsRoot: false })
        {
            Console.WriteLine($"rank {world.Rank}: {mine.Processed} processed, {mine.Skipped} skipped (done), {mine.Failed.Count} failed, {mine.TilesPerSecond:F1} tiles/s");
            return;
        }
        console.WriteLine((whole ?? mine).ToMarkdown());
        var stem = whole is null ? ShardSummary.FileStem(job, shard) : $"{job}-summary";
        console.MarkupLine($"Summary: {Markup.Escape(Path.Combine(directory, stem + ".json"))} (and .md); per-slide states in {Markup.Escape(directory)}");
    }

    /// <summary>Exit 2 when a slide failed (bad input), 1 when slides were left to other live workers, else 0.</summary>
    public static int ExitCode(ShardSummary mine) =>
        mine.Failed.Count > 0 ? ExitCodes.BadInput : mine.Busy.Count > 0 ? ExitCodes.Failure : ExitCodes.Success;
}
