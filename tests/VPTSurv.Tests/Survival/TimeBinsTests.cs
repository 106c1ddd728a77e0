using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

public class TimeBinsTests
{
    // Uncensored times 1,2,3,4,5 -> type-7 quartiles 2, 3, 4 (hand-computed: 1 + q*(5-1)); censored 10 sets the max.
    private static readonly SurvivalTargets Train = new([3.0, 1.0, 10.0, 5.0, 2.0, 4.0, 0.5], [true, true, false, true, true, true, false]);

    [Fact]
    public void Edges_are_quantiles_of_uncensored_training_times_within_the_training_range()
    {
        var bins = TimeBins.Fit(Train);
        Assert.Equal([0.5, 2.0, 3.0, 4.0, 10.0], bins.Edges);
        Assert.Equal(4, bins.Count);
    }

    [Fact]
    public void Transform_uses_left_closed_bins_and_clamps_outside_the_training_range()
    {
        var bins = TimeBins.Fit(Train);
        Assert.Equal([0, 0, 1, 1, 2, 3, 3, 3], bins.Transform([0.1, 1.99, 2.0, 2.5, 3.0, 4.0, 10.0, 1e6]));
    }

    [Fact]
    public void Save_then_load_round_trips_and_leaves_no_temporary_file()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-bins-");
        try
        {
            var path = Path.Combine(dir.FullName, "bins.json");
            var bins = TimeBins.Fit(Train, 3);
            bins.Save(path);
            Assert.Equal(bins.Edges, TimeBins.Load(path).Edges);
            Assert.Equal(["bins.json"], Directory.GetFiles(dir.FullName).Select(Path.GetFileName));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Load_rejects_bad_files_naming_the_file_and_the_problem()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-bins-");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.json");
            File.WriteAllText(path, """{"format":"vptsurv.timebins","version":1,"edges":[0.5, 2, 1.5]}""");
            var ex = Assert.Throws<InvalidDataException>(() => TimeBins.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("edges[2]", ex.Message);
            File.WriteAllText(path, "{not json");
            Assert.Contains(path, Assert.Throws<InvalidDataException>(() => TimeBins.Load(path)).Message);
            File.WriteAllText(path, """{"format":"other"}""");
            Assert.Contains("format", Assert.Throws<InvalidDataException>(() => TimeBins.Load(path)).Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Fit_rejects_all_censored_and_too_many_ties()
    {
        Assert.Contains("no observed event", Assert.Throws<ArgumentException>(() => TimeBins.Fit(new([1.0, 2.0], [false, false]))).Message);
        var ties = new SurvivalTargets([1.0, 1.0, 1.0, 1.0, 2.0], [true, true, true, true, true]);
        Assert.Contains("Use fewer bins", Assert.Throws<ArgumentException>(() => TimeBins.Fit(ties, 4)).Message);
    }

    [Fact]
    public void Transform_rejects_a_bad_time_naming_its_index()
    {
        var ex = Assert.Throws<ArgumentException>(() => TimeBins.Fit(Train).Transform([1.0, double.NaN]));
        Assert.Contains("time[1]", ex.Message);
    }
}
