using VPTSurv.Distributed.Mpi;
using VPTSurv.Distributed.Sharding;
using Xunit;

namespace VPTSurv.Tests.Distributed;

/// <summary>Shard assignment and launcher detection (no MPI loaded).</summary>
public sealed class ShardTests
{
    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(3, 10)]
    [InlineData(4, 3)]   // more workers than slides: some shards are empty
    [InlineData(7, 100)]
    [InlineData(8, 655)]
    public void Every_slide_is_in_exactly_one_shard_and_shard_sizes_differ_by_at_most_one(int n, int slides)
    {
        var rng = new Random(n * 1000 + slides);
        var ids = Enumerable.Range(0, slides).Select(i => $"S{rng.Next(1_000_000):D6}-{i}").ToArray();
        rng.Shuffle(ids);
        var seen = new Dictionary<string, int>();
        var sizes = new List<int>();
        for (int i = 0; i < n; i++)
        {
            var mine = new Shard(i, n).Take(ids, s => s);
            sizes.Add(mine.Count);
            foreach (var id in mine) seen[id] = seen.GetValueOrDefault(id) + 1;
        }
        Assert.Equal(slides, seen.Count);
        Assert.All(seen.Values, c => Assert.Equal(1, c));
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
    }

    [Fact]
    public void The_split_does_not_depend_on_the_order_the_slides_are_listed_in()
    {
        var ids = Enumerable.Range(0, 50).Select(i => $"slide-{i}").ToArray();
        var shuffled = ids.ToArray();
        new Random(3).Shuffle(shuffled);
        for (int i = 0; i < 4; i++)
            Assert.Equal(new Shard(i, 4).Take(ids, s => s).Order(), new Shard(i, 4).Take(shuffled, s => s).Order());
    }

    [Fact]
    public void Duplicate_ids_are_refused_with_the_id()
    {
        var e = Assert.Throws<ArgumentException>(() => new Shard(0, 2).Take(["a", "b", "a"], s => s));
        Assert.Contains("'a'", e.Message);
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void Parse_reads_i_of_n(string text, int i, int n) => Assert.Equal(new Shard(i, n), Shard.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("-1/2")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("0/0")]
    public void Parse_refuses_what_is_not_a_shard_naming_it(string text) =>
        Assert.Contains($"'{text}'", Assert.Throws<FormatException>(() => Shard.Parse(text)).Message);

    [Fact]
    public void The_launcher_decides_the_shard_and_an_explicit_one_must_agree_with_it()
    {
        var ompi = MpiLaunch.Detect(new Dictionary<string, string?> { ["OMPI_COMM_WORLD_RANK"] = "1", ["OMPI_COMM_WORLD_SIZE"] = "3", ["OMPI_COMM_WORLD_LOCAL_RANK"] = "0" });
        Assert.Equal(new MpiLaunch(1, 3, 0, "mpirun"), ompi);
        Assert.Equal(new Shard(1, 3), Shard.Resolve(null, ompi));
        Assert.Equal(new Shard(1, 3), Shard.Resolve(new Shard(1, 3), ompi));
        Assert.Throws<ArgumentException>(() => Shard.Resolve(new Shard(0, 2), ompi));
        Assert.Equal(Shard.Whole, Shard.Resolve(null, null));

        var slurm = MpiLaunch.Detect(new Dictionary<string, string?> { ["SLURM_PROCID"] = "5", ["SLURM_NTASKS"] = "8", ["SLURM_STEP_NUM_TASKS"] = "8", ["SLURM_LOCALID"] = "1" });
        Assert.Equal(new MpiLaunch(5, 8, 1, "slurm"), slurm);
        // sbatch's batch script (the job has 8 tasks, but the script is one process, not an srun step); a job of one; no launcher.
        Assert.Null(MpiLaunch.Detect(new Dictionary<string, string?> { ["SLURM_PROCID"] = "0", ["SLURM_NTASKS"] = "8" }));
        Assert.Null(MpiLaunch.Detect(new Dictionary<string, string?> { ["OMPI_COMM_WORLD_RANK"] = "0", ["OMPI_COMM_WORLD_SIZE"] = "1" }));
        Assert.Null(MpiLaunch.Detect(new Dictionary<string, string?>()));
        Assert.Throws<FormatException>(() => MpiLaunch.Detect(new Dictionary<string, string?> { ["PMI_RANK"] = "2", ["PMI_SIZE"] = "2" }));
    }

    [Fact]
    public void A_missing_mpi_library_is_a_clear_error_naming_the_file()
    {
        var e = Assert.Throws<MpiUnavailableException>(() => MpiLibrary.Open(["/nonexistent/libmpi-vptsurv-test.so.40"]));
        Assert.Contains("/nonexistent/libmpi-vptsurv-test.so.40", e.Message);
        Assert.Contains("openmpi-bin", e.Message);
        Assert.Contains(MpiLibrary.PathVariable, e.Message);
    }
}
