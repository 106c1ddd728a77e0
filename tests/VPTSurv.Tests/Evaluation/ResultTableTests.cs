using System.Text.Json.Nodes;
using VPTSurv.Evaluation;
using VPTSurv.Evaluation.References;
using VPTSurv.Interactive;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Evaluation;

public class ResultTableTests
{
    private static readonly (string Slide, string Patient, double Time, bool Event)[] Slides = Enumerable.Range(0, 30)
        .Select(i => ($"S{i:D2}", $"P{i / 2}", 1.0 + (i * 7) % 23, i % 3 != 0)).ToArray();

    private static SeedRun Run(int seed, double noise, bool dnl = false, int drop = -1)
    {
        var rng = new Random(seed * 31 + (int)(noise * 100));
        var test = Slides.Where((_, i) => i != drop).Select(s => new SlideRisk(s.Slide, s.Patient, s.Time, s.Event, -s.Time + noise * 20 * rng.NextDouble())).ToList();
        double c = new HarrellConcordance().Fit(test.Select(s => s.Time).ToArray(), test.Select(s => s.EventObserved).ToArray(), test.Select(s => s.Risk).ToArray()).CIndex;
        return new SeedRun(seed, c, double.NaN, dnl, test);
    }

    [Fact]
    public void Rows_carry_mean_sd_range_marks_and_the_comparison_of_seed_means()
    {
        var e2e = new ResultRow("cd4", "VPTSurv (end-to-end)", "end-to-end", [Run(0, 0.5), Run(1, 0.5), Run(2, 0.5)]);
        var twoStage = new ResultRow("cd4", "Only VPTSurv decoder", "two-stage", [Run(0, 1.5), Run(1, 1.5, dnl: true), Run(2, 1.5)]);
        var table = ResultTable.Build([twoStage, e2e], "VPTSurv (end-to-end)", resamples: 200, seed: 3);

        var row = table.Rows[0];
        var c = twoStage.Runs.Select(r => r.TestC).ToArray();
        double mean = c.Average(), sd = Math.Sqrt(c.Sum(x => (x - mean) * (x - mean)) / 2);
        Assert.Equal((mean, sd, c.Min(), c.Max()), (row.Mean, row.Sd, row.Min, row.Max));
        Assert.Equal([false, true, false], row.DidNotLearn);
        Assert.Equal(1, row.DidNotLearnCount);

        // The comparison is CompareMeans of the runs' risks on the same slides, by patient: computed directly here.
        var order = Slides.OrderBy(s => s.Slide, StringComparer.Ordinal).ToArray();
        IReadOnlyList<double> Risks(SeedRun r) => order.Select(s => r.Test.Single(x => x.SlideId == s.Slide).Risk).ToArray();
        var direct = PairedConcordance.CompareMeans(order.Select(s => s.Time).ToArray(), order.Select(s => s.Event).ToArray(),
            twoStage.Runs.Select(Risks).ToList(), e2e.Runs.Select(Risks).ToList(), order.Select(s => s.Patient).ToArray(), 200, seed: 3);
        Assert.Equal(direct, row.VersusComparisonRow);
        Assert.Equal(mean - e2e.Runs.Average(r => r.TestC), row.VersusComparisonRow!.Difference, 12);
        Assert.Null(table.Rows[1].VersusComparisonRow); // the comparison row itself

        var md = table.ToMarkdown();
        Assert.Contains("1/3 did not learn †", md);
        Assert.Contains($"{100 * c[1]:F1}†", md);
        var json = JsonNode.Parse(table.ToJson().ToJsonString())!;
        Assert.True(json["rows"]![0]!["did_not_learn"]![1]!.GetValue<bool>());
        Assert.Equal(row.VersusComparisonRow.PValue, json["rows"]![0]!["versus_comparison_row"]!["p_value"]!.GetValue<double>());
    }

    [Fact]
    public void A_reference_row_is_one_deterministic_run()
    {
        var reference = new ReferenceRow("Oracle", "cd4", "", new BootstrapInterval(0.7, 0.6, 0.8, 0.05, 0.95, 100, 0), null, 10,
            ["x"], [1.0], new Dictionary<string, double>(), Run(0, 0.2).Test);
        var row = ResultRow.Of(reference);
        Assert.Equal(("reference", 1), (row.Category, row.Runs.Count));
        var table = ResultTable.Build([row, new ResultRow("cd4", "E2E", "end-to-end", [Run(0, 1), Run(1, 1)])], "E2E", 100);
        Assert.True(double.IsNaN(table.Rows[0].Sd));
        Assert.Equal((1, 2), (table.Rows[0].VersusComparisonRow!.ScoringsA, table.Rows[0].VersusComparisonRow!.ScoringsB));
    }

    [Fact]
    public void Runs_on_different_test_slides_are_refused_with_the_row_and_seed_named()
    {
        var a = new ResultRow("cd4", "A", "two-stage", [Run(0, 1), Run(1, 1, drop: 4)]);
        var ex = Assert.Throws<ArgumentException>(() => ResultTable.Build([a], "A"));
        Assert.Contains("row 'A' seed 1", ex.Message);
        Assert.Throws<ArgumentException>(() => ResultTable.Build([a with { Runs = [] }], "A"));
    }
    [Fact]
    public void The_table_as_a_DataFrame_holds_the_summaries_as_numbers_and_one_row_per_run()
    {
        var e2e = new ResultRow("cd4", "VPTSurv (end-to-end)", "end-to-end", [Run(0, 0.5), Run(1, 0.5)]);
        var twoStage = new ResultRow("cd4", "Only VPTSurv decoder", "two-stage", [Run(0, 1.5), Run(1, 1.5, dnl: true), Run(2, 1.5)]);
        var table = ResultTable.Build([twoStage, e2e], "VPTSurv (end-to-end)", resamples: 100, seed: 1);
        var df = table.ToDataFrame();
        Assert.Equal(2, df.Rows.Count);
        var row = table.Rows[0];
        Assert.Equal([row.Mean, row.Sd, row.Min, row.Max], new[] { "test C mean", "test C SD", "test C min", "test C max" }.Select(c => (double)df[c][0]!));
        Assert.Equal(1, (int)df["did not learn"][0]!);
        Assert.Equal(row.VersusComparisonRow!.Difference, (double)df["diff vs VPTSurv (end-to-end)"][0]!);
        Assert.Null(df["p"][1]); // the comparison row is not compared with itself
        var runs = table.SeedsDataFrame();
        Assert.Equal(5, runs.Rows.Count);
        Assert.Equal(twoStage.Runs[1].TestC, (double)runs["test C per slide"][1]!);
        Assert.True((bool)runs["did not learn"][1]!);
    }
}
