using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Evaluation;

public class EvaluationReportTests
{
    // Logits chosen so that the risk order is known: a larger logit everywhere = higher hazards = lower survival.
    private static SlidePrediction P(string slide, string patient, double time, bool ev, double logit, Split split = Split.Test) =>
        new(slide, patient, split, time, ev, [logit, logit, logit, logit]);

    private static readonly double[] Edges = [1, 3, 5, 7, 12];

    private static IReadOnlyList<SlidePrediction> Training() =>
    [
        P("t1", "a", 2, true, 1.0, Split.Train), P("t2", "b", 4, true, 0.5, Split.Train), P("t3", "c", 6, false, 0.0, Split.Train),
        P("t4", "d", 8, true, -0.5, Split.Train), P("t5", "e", 10, false, -1.0, Split.Train), P("t6", "f", 11, true, -1.5, Split.Train),
    ];

    [Fact]
    public void PerSlideAndPerPatientCMatchAHandCount()
    {
        // Patient x has two slides (risks from logits 2 and 0, mean between them); y and z one each.
        var preds = new[]
        {
            P("x1", "x", 2, true, 2.0), P("x2", "x", 2, true, 0.0),
            P("y1", "y", 5, true, 1.0),
            P("z1", "z", 9, false, -1.0),
        };
        var report = EvaluationReport.Compute(preds, Training(), Edges, new EvaluationOptions(BootstrapResamples: 20));
        // Per slide, comparable pairs (earlier death first): x1>y1 ✓, x1>z1 ✓, x2<y1 ✗, x2>z1 ✓, y1>z1 ✓; x1,x2 tied in time (not compared).
        Assert.Equal(4.0 / 5.0, report.SlideC!.Estimate, 12);
        // Per patient: x (mean of logit 2 and 0 risks) vs y (logit 1) and z; check against Harrell on the aggregated risks.
        var riskX = (preds[0].Risk + preds[1].Risk) / 2;
        var expected = new HarrellConcordance().Fit([2.0, 5.0, 9.0], [true, true, false], [riskX, preds[2].Risk, preds[3].Risk]).CIndex;
        Assert.Equal(expected, report.PatientC!.Estimate, 12);
        Assert.Equal(4, report.Slides);
        Assert.Equal(3, report.Patients);
    }

    [Fact]
    public void RiskGroupsAreCutAtTheTrainingMedianRisk()
    {
        var preds = new[] { P("a", "a", 2, true, 0.9), P("b", "b", 3, true, 0.3), P("c", "c", 8, false, -0.2), P("d", "d", 9, true, -0.8) };
        var report = EvaluationReport.Compute(preds, Training(), Edges, new EvaluationOptions(BootstrapResamples: 20));
        // Training logits 1, .5, 0, -.5, -1, -1.5: the median risk lies between logits 0 and -0.5, so a and b and c (logit
        // -0.2 > -0.25) are high, d is low.
        Assert.Equal(3, report.Groups!.HighCount);
        Assert.Equal(1, report.Groups.LowCount);
        var trainRisks = Training().Select(p => p.Risk).Order().ToArray();
        Assert.Equal((trainRisks[2] + trainRisks[3]) / 2, report.Groups.Threshold, 12);
    }

    [Fact]
    public void SurvivalAtATimeFollowsTheBinEdges()
    {
        var p = P("a", "a", 2, true, 0.0); // every hazard 0.5: S = 0.5, 0.25, 0.125, 0.0625
        Assert.Equal(1.0, p.SurvivalAt(2.9, Edges));
        Assert.Equal(0.5, p.SurvivalAt(3.0, Edges), 12);
        Assert.Equal(0.25, p.SurvivalAt(6.0, Edges), 12);
        Assert.Equal(0.0625, p.SurvivalAt(20, Edges), 12);
        Assert.Equal(-(0.5 + 0.25 + 0.125 + 0.0625), p.Risk, 12);
    }

    [Fact]
    public void ReportAndPredictionsAreWrittenAndExistingFilesKept()
    {
        var rng = new Random(3);
        var preds = Enumerable.Range(0, 30).Select(i => P($"s{i}", $"p{i}", 1 + rng.NextDouble() * 10, rng.NextDouble() < 0.7, rng.NextDouble() - 0.5)).ToList();
        var train = Enumerable.Range(0, 30).Select(i => P($"t{i}", $"q{i}", 1 + rng.NextDouble() * 10, rng.NextDouble() < 0.7, rng.NextDouble() - 0.5, Split.Train)).ToList();
        var report = EvaluationReport.Compute(preds, train, Edges, new EvaluationOptions(BootstrapResamples: 50));
        var dir = Directory.CreateTempSubdirectory("vptsurv-report-").FullName;
        try
        {
            var json = Path.Combine(dir, "test.json");
            var csv = Path.Combine(dir, "test.csv");
            report.SaveJson(json);
            report.SavePredictionsCsv(csv);
            var root = JsonNode.Parse(File.ReadAllText(json))!;
            Assert.Equal("vptsurv-evaluation/1", (string?)root["format"]);
            Assert.Equal(report.SlideC!.Estimate, root["c_index_slide"]!["c_index"]!.GetValue<double>());
            Assert.NotNull(root["integrated_brier"]!["ibs"]);
            Assert.NotNull(root["risk_groups"]!["logrank_p"]);
            var lines = File.ReadAllLines(csv);
            Assert.Equal(31, lines.Length);
            Assert.StartsWith("slide_id,patient_id,split,time,event,risk,s_1,s_2,s_3,s_4,logit_1", lines[0]);
            Assert.Throws<IOException>(() => report.SaveJson(json)); // nothing of the user's is overwritten by default
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AMetricThatCannotBeComputedIsNullWithANote()
    {
        // No death in the evaluated split: no comparable pair, no AUC.
        var preds = new[] { P("a", "a", 2, false, 0.5), P("b", "b", 4, false, 0.0) };
        var report = EvaluationReport.Compute(preds, Training(), Edges, new EvaluationOptions(BootstrapResamples: 20));
        Assert.Null(report.SlideC);
        Assert.Null(report.Auc);
        Assert.Contains(report.Notes, n => n.StartsWith("per-slide C", StringComparison.Ordinal));
    }
}
