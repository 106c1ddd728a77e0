using Microsoft.Data.Analysis;
using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Interactive;
using VPTSurv.Model;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Interactive;

/// <summary>ToDataFrame keeps numbers as numbers at full precision, one row per item, and missing values as nulls.</summary>
public class DataFrameConversionTests
{
    [Fact]
    public void Cohort_converts_to_one_row_per_patient_with_the_counts_of_the_raw_manifest()
    {
        var manifest = Path.Combine(Browser.ExecutedNotebookBrowserTests.RepoRoot(), "data-manifests", "synthetic-cd4.csv");
        var df = ManifestReader.Read(manifest).ToDataFrame();
        // By hand from the CSV: distinct patients, their events, and the slide rows.
        var rows = File.ReadAllLines(manifest).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        var patients = rows.GroupBy(f => f[0]).ToArray();
        Assert.Equal(patients.Length, df.Rows.Count);
        Assert.Equal(patients.Count(g => g.First()[4] == "1"), df.Rows.Count(r => (bool)r[df.Columns.IndexOf("event")]!));
        Assert.Equal(rows.Length, (int)df["slides"].Sum());
        Assert.IsType<DoubleDataFrameColumn>(df["time"]);
        Assert.IsType<DoubleDataFrameColumn>(df["age"]);
        var first = patients[0].First();
        int at = Enumerable.Range(0, (int)df.Rows.Count).First(i => (string)df["patient_id"][i] == first[0]);
        Assert.Equal(double.Parse(first[3], System.Globalization.CultureInfo.InvariantCulture), (double)df["time"][at]!);
        Assert.Equal(first[5], (string)df["split"][at]);
    }

    [Fact]
    public void Predictions_convert_with_risk_and_survival_per_bin_at_full_precision()
    {
        SlidePrediction[] p = [new("s1", "p1", Split.Test, 12.5, true, [0.1, -0.3]), new("s2", "p2", Split.Test, 3.25, false, [2.0, 1.0])];
        var df = p.ToDataFrame();
        // By hand: S1 = 1 - sigmoid(l1), S2 = S1 (1 - sigmoid(l2)); risk = -(S1 + S2).
        static double Sig(double x) => 1 / (1 + Math.Exp(-x));
        double s1 = 1 - Sig(0.1), s2 = s1 * (1 - Sig(-0.3));
        Assert.Equal(s1, (double)df["s_1"][0]!, 15);
        Assert.Equal(s2, (double)df["s_2"][0]!, 15);
        Assert.Equal(-(s1 + s2), (double)df["risk"][0]!, 15);
        Assert.Equal(3.25, (double)df["time"][1]!);
        Assert.False((bool)df["event"][1]!);
    }

    [Fact]
    public void A_report_converts_to_one_row_per_metric_with_nulls_where_a_metric_was_not_computed()
    {
        var report = new EvaluationReport("test", 10, 8, 4, new BootstrapInterval(0.7123456789, 0.6, 0.8, 0.05, 0.95, 1000, 0), null, null,
            null, new BrierScoreResult([1, 2], [0.1, 0.2], 0.15), null, [], ["per-patient C: not computed (too few)"]);
        var df = report.ToDataFrame();
        int Row(string metric) => Enumerable.Range(0, (int)df.Rows.Count).Single(i => (string)df["metric"][i] == metric);
        Assert.Equal(0.7123456789, (double)df["value"][Row("C per slide")]!);
        Assert.Equal(0.6, (double)df["lower"][Row("C per slide")]!);
        Assert.Null(df["value"][Row("C per patient")]);
        Assert.Equal(0.15, (double)df["value"][Row("integrated Brier score")]!);
        var both = new[] { ("a", report), ("b", report) }.ToDataFrame();
        Assert.Equal(2, both.Rows.Count);
        Assert.Null(both["Uno's C"][0]);
    }

    [Fact]
    public void A_Kaplan_Meier_fit_converts_to_the_life_table_that_R_survfit_gives()
    {
        var male = LungFixture.Subjects.Where(s => s.Group == "male").ToArray();
        var df = new KaplanMeier().Fit(male.Select(s => s.Time).ToArray(), male.Select(s => s.Event).ToArray()).ToDataFrame();
        var r = LungFixture.Curves["male"].Steps;
        Assert.Equal(r.Count, df.Rows.Count);
        for (int i = 0; i < r.Count; i++)
        {
            Assert.Equal(r[i].Time, (double)df["time"][i]!);
            Assert.Equal(r[i].AtRisk, (int)df["at risk"][i]!);
            Assert.Equal(r[i].Censored, (int)df["censored"][i]!);
            Assert.Equal(r[i].Survival, (double)df["survival"][i]!, 6);
        }
    }
}
