using VPTSurv.Charts;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Terminal;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>
/// A statistic that cannot be computed is a note in the report, never an exception past it; charts of completely
/// separated risk groups are drawn without the hazard ratio; and splits that cannot work are refused before training.
/// </summary>
public sealed class ResultsFirstTests
{
    // Every high-risk subject dies before every low-risk one: the Cox coefficient diverges (complete separation).
    private static readonly double[] Time = [1, 2, 3, 4, 10, 11, 12, 13];
    private static readonly bool[] Event = [true, true, true, true, true, false, true, false];
    private static readonly double[] Risk = [5, 6, 7, 8, 1, 2, 3, 4];

    [Fact]
    public void Completely_separated_risk_groups_give_a_not_computed_note_for_the_hazard_ratio()
    {
        var groups = RiskGroups.Compute(new SurvivalTargets(Time, Event), Risk, threshold: 4.5);
        Assert.Equal(4, groups.HighCount);
        Assert.True(double.IsNaN(groups.HazardRatio));
        Assert.Contains(groups.Notes, n => n.StartsWith("hazard ratio: not computed (", StringComparison.Ordinal));
        Assert.True(double.IsFinite(groups.LogRankP)); // the log-rank test is still computed
    }

    [Fact]
    public void Risk_group_chart_of_completely_separated_groups_is_drawn_without_throwing()
    {
        // The chart used to call the Cox fit unguarded, so the finished run lost its report.
        var predictions = Time.Select((t, i) => new SlidePrediction($"S{i}", $"P{i}", VPTSurv.Data.Split.Test, t, Event[i], [Risk[i], 0])).ToList();
        var chart = RiskGroupChart.Create(predictions, threshold: predictions.Select(p => p.Risk).Order().ElementAt(3), "separated");
        Assert.NotNull(chart);
        var dir = CliRunner.TempDir();
        chart.SavePng(Path.Combine(dir, "km.png"), overwrite: false);
        Assert.True(new FileInfo(Path.Combine(dir, "km.png")).Length > 0);
    }

    [Fact]
    public void Risk_group_chart_of_a_split_without_any_death_is_drawn_without_the_statistics()
    {
        // No death: neither the log-rank test nor the Cox fit can be computed; the chart used to throw and lose the run's report.
        var predictions = Time.Select((t, i) => new SlidePrediction($"S{i}", $"P{i}", VPTSurv.Data.Split.Test, t, false, [Risk[i], 0])).ToList();
        var chart = RiskGroupChart.Create(predictions, threshold: predictions.Select(p => p.Risk).Order().ElementAt(3), "no deaths");
        var dir = CliRunner.TempDir();
        chart.SavePng(Path.Combine(dir, "km.png"), overwrite: false);
        Assert.True(new FileInfo(Path.Combine(dir, "km.png")).Length > 0);
        var groups = RiskGroups.Compute(new SurvivalTargets(Time, new bool[Time.Length]), Risk, threshold: 4.5);
        Assert.Contains("log-rank test and hazard ratio: not computed (no observed death)", groups.Notes);
    }

    [Fact]
    public void Empty_test_split_is_refused_before_training_with_exit_2()
    {
        var dir = CliRunner.TempDir();
        var manifest = Path.Combine(dir, "no-test.csv");
        const string synthetic = "synthetic:v1;seed=5;stain=CD8;immune=0.5;infiltration=0.5;grade=0.5;architecture=0.5";
        File.WriteAllText(manifest, string.Join("\n",
            "patient_id,slide_id,source,time,event,split,stain",
            $"A,A-1,{synthetic},12.5,1,train,CD8",
            $"B,B-1,{synthetic},30,0,train,CD8",
            $"C,C-1,{synthetic},7.25,1,val,CD8") + "\n");
        var (code, output) = CliRunner.Run("train", "--preset", "smoke", "--manifest", manifest, "--out", Path.Combine(dir, "out"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains("the test split has no slide", output);
        Assert.Contains(manifest, output);
        Assert.DoesNotContain("epoch", output, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(dir, "out", "checkpoint.zip")));
    }

    [Fact]
    public void Training_split_without_a_death_is_refused_before_training()
    {
        var cohortDir = CliRunner.TempDir();
        var manifest = Path.Combine(cohortDir, "no-events.csv");
        const string synthetic = "synthetic:v1;seed=5;stain=CD8;immune=0.5;infiltration=0.5;grade=0.5;architecture=0.5";
        File.WriteAllText(manifest, string.Join("\n",
            "patient_id,slide_id,source,time,event,split,stain",
            $"A,A-1,{synthetic},12.5,0,train,CD8",
            $"B,B-1,{synthetic},30,0,train,CD8",
            $"C,C-1,{synthetic},7.25,1,test,CD8") + "\n");
        var (code, output) = CliRunner.Run("train", "--preset", "smoke", "--manifest", manifest, "--out", Path.Combine(cohortDir, "out"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains("none of the 2 training slides has an observed death", output);
    }
}
