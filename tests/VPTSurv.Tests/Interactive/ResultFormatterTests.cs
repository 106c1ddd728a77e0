using AngleSharp.Html.Parser;
using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts;
using VPTSurv.Evaluation;
using VPTSurv.Interactive;
using VPTSurv.Survival;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Interactive;

/// <summary>The formatters of results beyond Kaplan–Meier, the chart of fitted estimates, and the comparison table.</summary>
[Collection("dotnet-interactive formatters")]
public class ResultFormatterTests
{
    private static (double[] Time, bool[] Event, string[] Group) Lung() =>
        (LungFixture.Subjects.Select(s => s.Time).ToArray(), LungFixture.Subjects.Select(s => s.Event).ToArray(), LungFixture.Subjects.Select(s => s.Group).ToArray());

    private static string[][] Cells(string html, int table = 0) => new HtmlParser().ParseDocument(html).QuerySelectorAll("table")[table]
        .QuerySelectorAll("tbody tr").Select(tr => tr.QuerySelectorAll("td").Select(td => td.TextContent).ToArray()).ToArray();

    [Fact]
    public void A_fitted_estimate_charts_directly_with_the_hand_counted_at_risk_numbers()
    {
        var (time, evt, group) = Lung();
        int[] male = Enumerable.Range(0, time.Length).Where(i => group[i] == "male").ToArray();
        var km = new KaplanMeier().Fit(male.Select(i => time[i]).ToArray(), male.Select(i => evt[i]).ToArray());
        var chart = km.Chart("male");
        Assert.Equal(KaplanMeierChart.From(km, "male").ToPlotlyJson(), chart.ToPlotlyJson());
        var counts = chart.AtRiskCounts()[0];
        Assert.Equal(chart.AtRiskTimes.Select(t => LungFixture.HandCountAtRisk("male", t)), counts);
        Assert.Equal(LungFixture.Curves["male"].Steps.Count(s => s.Censored > 0), chart.Groups[0].CensorMarks().X.Length);
    }

    [Fact]
    public void Groups_of_estimates_chart_with_the_log_rank_and_hazard_ratio_given()
    {
        var (time, evt, group) = Lung();
        var fits = new[] { "female", "male" }.Select(g =>
        {
            var idx = Enumerable.Range(0, time.Length).Where(i => group[i] == g).ToArray();
            return (g, new KaplanMeier().Fit(idx.Select(i => time[i]).ToArray(), idx.Select(i => evt[i]).ToArray()));
        }).ToArray();
        var codes = group.Select(g => g == "male" ? 1 : 0).ToArray();
        var logRank = new LogRankTest().Fit(time, evt, codes);
        var cox = new CoxRegression().Fit(codes.Select(c => new double[] { c }).ToArray(), time, evt, ["male"]);
        var lines = fits.Chart(logRank, cox).StatisticsLines();
        Assert.StartsWith($"Log-rank p = {ChartText.PValue(LungFixture.Stats["logrank_p"])}", lines[0]);
        Assert.StartsWith("HR male vs female = ", lines[1]);
    }

    [Fact]
    public void Risk_groups_chart_with_their_log_rank_p_and_leave_off_a_hazard_ratio_without_a_bounded_interval()
    {
        var (time, evt, _) = Lung();
        var age = LungFixture.Subjects.Select(s => s.Age).ToArray();
        var groups = RiskGroups.Compute(new SurvivalTargets(time, evt), age, threshold: 63);
        var chart = groups.Chart();
        Assert.Equal([RiskGroups.LowLabel, RiskGroups.HighLabel], chart.Groups.Select(g => g.Label));
        // By hand: subjects with age above the cut are high risk.
        Assert.Equal(age.Count(a => a > 63), chart.Groups[1].Count);
        Assert.Equal($"Log-rank p = {ChartText.PValue(groups.LogRankP)}", chart.StatisticsLines()[0]);
        Assert.StartsWith("HR high risk vs low risk = ", chart.StatisticsLines()[1]);
        var unbounded = groups with { HazardRatioUpper = double.PositiveInfinity };
        Assert.Single(unbounded.Chart().StatisticsLines());
        Assert.Throws<ArgumentException>(() => (groups with { Low = null }).Chart());
    }

    [Fact]
    public void Evaluation_formatters_round_for_display_and_show_intervals()
    {
        NotebookFormatters.Register();
        NotebookPlotly.Reset();
        var interval = new BootstrapInterval(0.712345678, 0.65, 0.77, 0.031, 0.95, 1000, 0);
        Assert.Equal(["0.7123", "0.65 – 0.77", "0.031", "1000", "0"], Cells(interval.ToDisplayString(NotebookFormatters.Html))[0]);
        var auc = new TimeDependentAucResult([10, 20], [0.81234, 0.7], 0.756);
        Assert.Equal([["10", "0.8123"], ["20", "0.7"]], Cells(auc.ToDisplayString(NotebookFormatters.Html)));
        var brier = new BrierScoreResult([1, 2, 3], [0.1, 0.15, 0.2], 0.1512345);
        Assert.Contains("integrated 0.1512", brier.ToDisplayString(NotebookFormatters.Html));
        var uno = new UnoConcordanceResult(0.6666666, 10.5, 5.25, 0, 30);
        Assert.Equal("0.6667", Cells(uno.ToDisplayString(NotebookFormatters.Html))[0][0]);
    }

    [Fact]
    public void Training_history_shows_a_table_and_a_chart_of_loss_and_validation_C()
    {
        NotebookFormatters.Register();
        NotebookPlotly.Reset();
        EpochRecord[] history = [new(1, 2.5, 0.55, 1e-3, 12.34), new(2, 2.1, 0.61, 5e-4, 11.9)];
        var html = history.ToDisplayString(NotebookFormatters.Html);
        Assert.Equal([["1", "2.5", "0.55", "0.001", "12.3"], ["2", "2.1", "0.61", "0.0005", "11.9"]], Cells(html));
        Assert.Contains("validation C-index", html);
        Assert.Contains("plotly.js v", html); // the first chart after a reset carries the library
        var df = history.ToDataFrame();
        Assert.Equal(12.34, (double)df["seconds"][0]!); // full precision in the data
    }

    [Fact]
    public void Comparison_table_gives_mean_and_sample_sd_per_method_and_keeps_full_precision_in_its_DataFrame()
    {
        var table = ComparisonTable.From("test C", [("A", "seed 0", 0.61), ("A", "seed 1", 0.65), ("A", "seed 2", 0.66), ("B", "seed 0", 0.5), ("B", "seed 1", double.NaN)]);
        var a = table.Rows[0];
        Assert.Equal(0.64, a.Mean, 12);
        // sample SD by hand: deviations -0.03, 0.01, 0.02 → sqrt((9 + 1 + 4)e-4 / 2)
        Assert.Equal(Math.Sqrt(14e-4 / 2), a.StdDev, 12);
        Assert.Equal(1, table.Rows[1].Runs);
        Assert.True(double.IsNaN(table.Rows[1].StdDev));
        var cells = Cells(table.ToHtml());
        Assert.Equal(["A", "0.64 ± 0.0265", "0.61", "0.65", "0.66", "0.61 – 0.66", "3"], cells[0]);
        var df = table.ToDataFrame();
        Assert.Equal(Math.Sqrt(14e-4 / 2), (double)df["sd"][0]!, 15);
        Assert.Null(df["seed 1"][1]);
        Assert.Throws<ArgumentException>(() => ComparisonTable.From("x", [("A", "s", 1.0), ("A", "s", 2.0)]));
    }
    [Fact]
    public void A_survival_result_without_its_own_formatter_shows_its_summary_as_a_table_of_the_same_cells()
    {
        // Nelson–Aalen has no dedicated formatter: the ISurvivalResult fallback must show
        // every row of their Summary, rounded as the text form rounds it, not the record's ToString().
        NotebookFormatters.Register();
        var (time, evt, _) = Lung();
        var na = new NelsonAalen().Fit(time, evt);
        var expected = na.Summary.Rows.Select(r => r.Select(SurvivalTable.Format).ToArray()).ToArray();
        var html = na.ToDisplayString(NotebookFormatters.Html);
        Assert.Equal(expected, Cells(html));
        Assert.Contains(HtmlTable.Encode(na.Summary.Title), html);
    }
}
