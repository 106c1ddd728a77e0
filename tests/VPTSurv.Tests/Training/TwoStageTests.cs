using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

[Collection(nameof(GlobalTorchRng))]
public class TwoStageTests
{
    [Fact]
    public void ExtractionIsCachedByContentAndResumesWithoutReencoding()
    {
        var cohort = PlantedCohort.Create(train: 4, val: 2, test: 2);
        var slides = cohort.Slides.ToList();
        var dir = Directory.CreateTempSubdirectory("vptsurv-features-").FullName;
        try
        {
            var pipeline = new TwoStagePipeline(Preset.Smoke, new TrainerOptions { Source = PlantedCohort.Source(12) });
            var cache = new FeatureCache(dir);
            using (var half = pipeline.Extract(cohort, slides.Take(3).ToList(), cache)) Assert.Equal(3, half.Extracted);
            using var all = pipeline.Extract(cohort, slides, cache);
            Assert.Equal(3, all.FromCache); // finished slides are skipped
            Assert.Equal(slides.Count - 3, all.Extracted);
            Assert.Equal([12, 32], all.Features[slides[0].SlideId].shape);
            Assert.Empty(Directory.GetFiles(dir, ".*")); // no temporary file left behind

            // Another encoder (different weights: a random initialisation instead of the shipped MAE weights) gets other
            // keys: nothing is read from the cache.
            var other = new TwoStagePipeline(Preset.Smoke with { EncoderWeights = null, Training = Preset.Smoke.Training with { Seed = 5 } },
                new TrainerOptions { Source = PlantedCohort.Source(12) });
            using var fresh = other.Extract(cohort, slides.Take(2).ToList(), cache);
            Assert.Equal(0, fresh.FromCache);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TwoStageTrainsTheDecoderOnAllTilesAndEvaluates()
    {
        var cohort = PlantedCohort.Create(train: 30, val: 8, test: 30, seed: 5);
        var dir = Directory.CreateTempSubdirectory("vptsurv-twostage-").FullName;
        try
        {
            var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 4, LearningRate = 2e-3 } };
            using var result = new TwoStagePipeline(preset, new TrainerOptions { Source = PlantedCohort.Source(16), WorkDirectory = dir }).Fit(cohort);
            Assert.Equal("two-stage", result.Method);
            Assert.InRange(result.BestEpoch, 1, 4);
            Assert.Equal(4, result.History.Count);
            var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 50));
            Assert.Equal(30, report.Slides);
            Assert.NotNull(report.SlideC);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Without_a_work_directory_the_temporary_feature_folder_is_deleted()
    {
        // Before, every two-stage run without a work directory left its features in a vptsurv-features-* folder under
        // the temporary path (hundreds of them on this machine after the test suite). The collection runs alone, so the
        // temporary path can be pointed at a folder of this test's own.
        var tmp = Directory.CreateTempSubdirectory("vptsurv-tmpdir-").FullName;
        var saved = Environment.GetEnvironmentVariable("TMPDIR");
        try
        {
            Environment.SetEnvironmentVariable("TMPDIR", tmp);
            Assert.StartsWith(tmp, Path.GetTempPath());
            var cohort = PlantedCohort.Create(train: 4, val: 2, test: 2);
            var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } };
            using (var result = new TwoStagePipeline(preset, new TrainerOptions { Source = PlantedCohort.Source(8) }).Fit(cohort))
                Assert.Equal(2, result.Predict(Split.Test).Count);
            Assert.Empty(Directory.GetDirectories(tmp, "vptsurv-features-*"));

            using (var cache = FeatureCache.ForRun(null))
            {
                Assert.True(cache.IsTemporary);
                Assert.True(Directory.Exists(cache.DirectoryPath));
                Assert.Equal("", cache.FailureHint);
            }
            Assert.Empty(Directory.GetDirectories(tmp, "vptsurv-features-*"));
            using (var kept = FeatureCache.ForRun(tmp)) Assert.False(kept.IsTemporary);
            Assert.True(Directory.Exists(Path.Combine(tmp, "features"))); // a work directory's cache is the user's: kept
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", saved);
            Directory.Delete(tmp, recursive: true);
        }
    }
}
