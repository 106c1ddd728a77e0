using VPTSurv.Distributed.Sharding;
using VPTSurv.Tests.Cli;
using Xunit;

namespace VPTSurv.Tests.Distributed;

/// <summary>`vptsurv tile --shard i/n`: the shards together give the unsharded run's files, and a rerun skips what is done.</summary>
public sealed class ShardedTileTests
{
    [Fact]
    public void Two_shards_tile_every_slide_once_like_one_run_and_a_rerun_skips_them_all()
    {
        var dir = CliRunner.TempDir();
        string plain = Path.Combine(dir, "plain"), sharded = Path.Combine(dir, "sharded");
        string[] common = ["tile", "--preset", "smoke", "--limit", "5"];
        Assert.Equal(0, CliRunner.Run([.. common, "--out", plain]).ExitCode);
        var (c0, o0) = CliRunner.Run([.. common, "--out", sharded, "--shard", "0/2"]);
        Assert.True(c0 == 0, o0);
        var (c1, o1) = CliRunner.Run([.. common, "--out", sharded, "--shard", "1/2"]);
        Assert.True(c1 == 0, o1);

        var expected = Directory.GetFiles(plain, "*.tiles.json").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(5, expected.Count);
        Assert.Equal(expected, Directory.GetFiles(sharded, "*.tiles.json").Select(Path.GetFileName).Order());
        foreach (var f in expected) Assert.Equal(File.ReadAllBytes(Path.Combine(plain, f!)), File.ReadAllBytes(Path.Combine(sharded, f!)));
        var whole = ShardSummary.Load(Path.Combine(sharded, "state", "tile-summary.json")); // written by the second worker, which found both shards' summaries
        Assert.Equal((5, 5, 0), (whole.Slides, whole.Processed, whole.Skipped));
        Assert.Contains("| 0/2+1/2 | 5 | 5 |", o1);

        var (c2, o2) = CliRunner.Run([.. common, "--out", sharded, "--shard", "1/2"]);
        Assert.True(c2 == 0, o2);
        var again = ShardSummary.Load(Path.Combine(sharded, "state", "tile-summary.shard-1-of-2.json"));
        Assert.Equal((0, again.Slides), (again.Processed, again.Skipped));
        Assert.InRange(again.Slides, 2, 3);
    }

    [Fact]
    public void A_malformed_shard_is_bad_input_naming_the_option()
    {
        var (code, output) = CliRunner.Run("tile", "--preset", "smoke", "--limit", "1", "--out", CliRunner.TempDir(), "--shard", "2/2");
        Assert.Equal(2, code);
        Assert.Contains("--shard", output);
        Assert.Contains("'2/2'", output);
    }
}
