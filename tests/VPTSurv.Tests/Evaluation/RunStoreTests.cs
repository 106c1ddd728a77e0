using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Tests.Model;
using VPTSurv.Tests.Training;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Evaluation;

/// <summary>
/// The run store lets a table of runs stop and resume: a stored run must give the very report the run gave when it
/// finished, must be found again only by the same preset, cohort and row, and must never be trained twice.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class RunStoreTests
{
    private static readonly Preset Tiny = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 2, LearningRate = 2e-3 } };

    private static TrainingResult Train(Cohort cohort, string work) =>
        new TwoStagePipeline(Tiny, new TrainerOptions { Source = PlantedCohort.Source(12), WorkDirectory = work }).Fit(cohort);

    [Fact]
    public void A_stored_run_gives_the_report_the_run_gave_and_is_not_trained_again()
    {
        var cohort = PlantedCohort.Create(train: 12, val: 6, test: 10, seed: 3);
        var dir = Directory.CreateTempSubdirectory("vptsurv-runstore-").FullName;
        try
        {
            var options = new EvaluationOptions(BootstrapResamples: 40);
            string direct;
            StoredRun made;
            using (var result = Train(cohort, Path.Combine(dir, "work")))
            {
                direct = result.Evaluate(Split.Test, options).ToJson().ToJsonString();
                made = StoredRun.From(RunStore.KeyOf(Tiny, cohort, "vptsurv"), "vptsurv", result, 1.5);
            }
            var back = StoredRun.FromJson(JsonNode.Parse(made.ToJson().ToJsonString())!.AsObject(), "memory");
            Assert.Equal(direct, back.Evaluate(Split.Test, options).ToJson().ToJsonString());
            Assert.Equal(made.Curve.ToJson().ToJsonString(), back.Curve.ToJson().ToJsonString());
            Assert.Equal(28, back.Predictions.Count);

            var store = new RunStore(Path.Combine(dir, "runs"));
            int trained = 0;
            var lines = new List<string>();
            var first = store.GetOrTrain(Tiny, cohort, "vptsurv", () => { trained++; return Train(cohort, Path.Combine(dir, "work")); }, log: lines.Add);
            var again = store.GetOrTrain(Tiny, cohort, "vptsurv", () => { trained++; throw new InvalidOperationException("must not train again"); }, log: lines.Add);
            Assert.Equal(1, trained);
            Assert.Contains("from the run store", lines[^1]);
            Assert.Equal(first.Evaluate(Split.Test, options).ToJson().ToJsonString(), again.Evaluate(Split.Test, options).ToJson().ToJsonString());
            // The same seed and data train the same model: the stored run's metrics equal those of the run made above
            // (the curves differ only in the epochs' wall times).
            Assert.Equal(WithoutCurve(direct), WithoutCurve(again.Evaluate(Split.Test, options).ToJson().ToJsonString()));
            Assert.Single(store.All());
            // Found by its key, whatever name another caller gives the row.
            Assert.Equal(first.Key, store.Find(Tiny, cohort, "VPTSurv decoder (two-stage)", rowKey: "vptsurv")?.Key);
            Assert.Null(store.Find(Tiny, cohort, "vptsurv", rowKey: "abmil"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string WithoutCurve(string reportJson)
    {
        var o = JsonNode.Parse(reportJson)!.AsObject();
        o.Remove("training");
        return o.ToJsonString();
    }

    [Fact]
    public void The_key_changes_with_the_seed_the_row_key_the_preset_and_a_manifest_row_and_with_nothing_else()
    {
        var cohort = PlantedCohort.Create(train: 6, val: 2, test: 2, seed: 3);
        string key = RunStore.KeyOf(Tiny, cohort, "abmil");
        Assert.Equal(key, RunStore.KeyOf(Tiny, PlantedCohort.Create(train: 6, val: 2, test: 2, seed: 3), "abmil"));
        Assert.NotEqual(key, RunStore.KeyOf(Tiny with { Training = Tiny.Training with { Seed = 1 } }, cohort, "abmil"));
        Assert.NotEqual(key, RunStore.KeyOf(Tiny with { Training = Tiny.Training with { LearningRate = 1e-3 } }, cohort, "abmil"));
        Assert.NotEqual(key, RunStore.KeyOf(Tiny, cohort, "transmil"));
        var p = cohort.Patients[0];
        var changed = new Cohort(cohort.Name, [p with { Time = p.Time + 1, Slides = [p.Slides[0] with { Time = p.Time + 1 }] }, .. cohort.Patients.Skip(1)]);
        Assert.NotEqual(key, RunStore.KeyOf(Tiny, changed, "abmil"));
    }

    [Fact]
    public void A_damaged_file_is_named_in_the_error_and_is_not_replaced()
    {
        var cohort = PlantedCohort.Create(train: 6, val: 2, test: 2, seed: 3);
        var dir = Directory.CreateTempSubdirectory("vptsurv-runstore-").FullName;
        try
        {
            var store = new RunStore(dir);
            string path = store.PathOf(Tiny, cohort, "vptsurv", RunStore.KeyOf(Tiny, cohort, "vptsurv"));
            File.WriteAllText(path, "{\"format\": \"vptsurv-run/1\", \"key\": \"x\"");
            var e = Assert.Throws<FormatException>(() => store.GetOrTrain(Tiny, cohort, "vptsurv", () => throw new InvalidOperationException("not reached")));
            Assert.Contains(path, e.Message);
            File.WriteAllText(path, "{\"format\": \"vptsurv-run/1\", \"key\": \"x\"}");
            e = Assert.Throws<FormatException>(() => store.Find(Tiny, cohort, "vptsurv"));
            Assert.Contains(path, e.Message);
            Assert.Contains("'predictions'", e.Message);
            Assert.Equal("{\"format\": \"vptsurv-run/1\", \"key\": \"x\"}", File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
