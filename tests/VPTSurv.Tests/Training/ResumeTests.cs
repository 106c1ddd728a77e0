using VPTSurv.Data;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

[Collection(nameof(GlobalTorchRng))]
public class ResumeTests
{
    private static readonly Preset TwoEpochs = Preset.Smoke with
    {
        Training = Preset.Smoke.Training with { Epochs = 2, BagsPerStep = 2, GradientCaching = true, MicroBatch = 4 },
    };

    private static (IReadOnlyList<EpochRecord> History, double[][] Test, int Best) Summary(TrainingResult r) =>
        (r.History, r.Predict(Split.Test).Select(p => p.Logits).ToArray(), r.BestEpoch);

    [Fact]
    public void TwoEpochsInOneGoEqualOneEpochStopAndResumeForOne()
    {
        var cohort = PlantedCohort.Create(train: 10, val: 6, test: 6);
        var dir = Directory.CreateTempSubdirectory("vptsurv-resume-").FullName;
        try
        {
            var source = PlantedCohort.Source();
            using var whole = new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = source }).Fit(cohort);
            var a = Summary(whole);

            var ckpt = Path.Combine(dir, "run.ckpt");
            using (var first = new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = source, CheckpointPath = ckpt, StopAfterEpoch = 1 }).Fit(cohort))
                Assert.False(first.Completed);
            Assert.Equal(1, TrainingCheckpoint.ReadMeta(ckpt).Epoch);
            using var resumed = new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = source, CheckpointPath = ckpt }).Resume(ckpt, cohort);
            var b = Summary(resumed);

            Assert.Equal(2, b.History.Count);
            Assert.Equal(a.History, b.History.Select((h, i) => h with { Seconds = a.History[i].Seconds }).ToList());
            Assert.Equal(a.Best, b.Best);
            for (int i = 0; i < a.Test.Length; i++)
                Assert.Equal(a.Test[i], b.Test[i]); // bit-identical logits

            // Same seed, same numbers: a second uninterrupted run matches the first.
            using var again = new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = source }).Fit(cohort);
            Assert.Equal(a.History.Select(h => (h.TrainLoss, h.ValidationC)), again.History.Select(h => (h.TrainLoss, h.ValidationC)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ResumeRefusesACheckpointOfAnotherPreset()
    {
        var cohort = PlantedCohort.Create(train: 4, val: 4, test: 4);
        var dir = Directory.CreateTempSubdirectory("vptsurv-resume-").FullName;
        try
        {
            var ckpt = Path.Combine(dir, "run.ckpt");
            using (new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = PlantedCohort.Source(), CheckpointPath = ckpt, StopAfterEpoch = 1 }).Fit(cohort)) { }
            var other = TwoEpochs with { Training = TwoEpochs.Training with { LearningRate = 0.5 } };
            var e = Assert.Throws<ResumeMismatchException>(() => new EndToEndTrainer(other, new TrainerOptions { Source = PlantedCohort.Source() }).Resume(ckpt, cohort));
            Assert.Contains("different preset", e.Message);
            // The message names the key that differs, not two whole preset JSONs.
            Assert.Contains("training.learningRate: checkpoint", e.Message);
            Assert.Contains("this run 0.5", e.Message);
            Assert.DoesNotContain("\"Encoder\"", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ResumeRefusesAnotherCohortNamingTheSlides()
    {
        // Before, a resume on another manifest continued silently on the other cohort with the old time bins.
        var cohort = PlantedCohort.Create(train: 4, val: 4, test: 4);
        var other = PlantedCohort.Create(train: 6, val: 4, test: 4);
        var dir = Directory.CreateTempSubdirectory("vptsurv-resume-").FullName;
        try
        {
            var ckpt = Path.Combine(dir, "run.ckpt");
            using (new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = PlantedCohort.Source(), CheckpointPath = ckpt, StopAfterEpoch = 1 }).Fit(cohort)) { }
            Assert.NotNull(RunIdentity.FromJson(TrainingCheckpoint.ReadMeta(ckpt).Identity));
            var e = Assert.Throws<ResumeMismatchException>(() => new EndToEndTrainer(TwoEpochs, new TrainerOptions { Source = PlantedCohort.Source() }).Resume(ckpt, other));
            Assert.Contains("the manifest rows differ", e.Message);
            Assert.Contains(ckpt, e.Message);
            var onlyNew = other.Slides.Select(s => s.SlideId).Except(cohort.Slides.Select(s => s.SlideId)).ToList();
            Assert.True(onlyNew.Count == 0 || onlyNew.Take(1).All(id => e.Message.Contains(id)), e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
