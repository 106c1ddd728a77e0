using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Model;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>The decoder-input standardisation: fitted on the training split only, applied in both pipelines, saved and restored.</summary>
[Collection(nameof(GlobalTorchRng))]
public class StandardizationTests
{
    [Fact]
    public void FitGivesPerDimensionMeanAndPopulationSdOfAllRows()
    {
        // Hand values: rows (1, 10), (3, 10) | (5, 10): mean (3, 10), SD (sqrt(8/3), floor) — the constant column is floored, not NaN.
        using var a = tensor(new float[] { 1, 10, 3, 10 }, [2, 2]);
        using var b = tensor(new float[] { 5, 10 }, [1, 2]);
        var s = FeatureStandardization.Fit([a, b]);
        Assert.Equal([3f, 10f], s.Mean);
        Assert.Equal(Math.Sqrt(8.0 / 3), s.Scale[0], 5);
        Assert.Equal((float)FeatureStandardization.MinScale, s.Scale[1]);
        using var z = s.Apply(b);
        Assert.Equal(2 / Math.Sqrt(8.0 / 3), z[0, 0].item<float>(), 5);
        Assert.Equal(0f, z[0, 1].item<float>());
        Assert.Equal(s, FeatureStandardization.FromJson(s.ToJson(), "round trip") with { }, new StandardizationComparer());
        Assert.Throws<InvalidDataException>(() => FeatureStandardization.FromJson("{\"mean\":[1],\"scale\":[0]}", "bad.json"));
    }

    [Fact]
    public void TwoStageFitsItOnTheTrainingSlidesOnly()
    {
        var cohort = PlantedCohort.Create(train: 8, val: 6, test: 6);
        var options = new TrainerOptions { Source = PlantedCohort.Source() };
        using var result = new TwoStagePipeline(Preset.Smoke, options).Fit(cohort);
        var pipeline = new TwoStagePipeline(Preset.Smoke, options);
        var dir = Directory.CreateTempSubdirectory("vptsurv-std-").FullName;
        try
        {
            using var features = pipeline.Extract(cohort, [.. cohort.SlidesIn(Split.Train), .. cohort.SlidesIn(Split.Val), .. cohort.SlidesIn(Split.Test)], new FeatureCache(dir));
            var train = FeatureStandardization.Fit(cohort.SlidesIn(Split.Train).Select(s => features.Features[s.SlideId]));
            var all = FeatureStandardization.Fit(features.Features.Values);
            Assert.NotNull(result.Standardization);
            Assert.Equal(train.Mean, result.Standardization!.Mean);
            Assert.Equal(train.Scale, result.Standardization.Scale);
            Assert.NotEqual(all.Mean, result.Standardization.Mean);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EndToEndHoldsItInTheModelAndTheCheckpointAndResumeRestoresIt()
    {
        var cohort = PlantedCohort.Create(train: 8, val: 4, test: 4);
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 2 } };
        var dir = Directory.CreateTempSubdirectory("vptsurv-std-").FullName;
        try
        {
            var ckpt = Path.Combine(dir, "run.ckpt");
            FeatureStandardization fitted;
            using (var first = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(), CheckpointPath = ckpt, StopAfterEpoch = 1 }).Fit(cohort))
            {
                fitted = first.Standardization!;
                var inModel = first.Model!.Standardizer.Get();
                Assert.Equal(fitted.Mean, inModel.Mean);
                Assert.Equal(fitted.Scale, inModel.Scale);
                Assert.DoesNotContain(fitted.Scale, v => v == 1f); // fitted, not the identity
                var state = first.Model.state_dict();
                Assert.Equal(fitted.Mean, state["standardizer.mean"].data<float>().ToArray());
                Assert.Equal(fitted.Scale, state["standardizer.scale"].data<float>().ToArray());
                // Training only: the mean of the frozen features of the training slides' inference tiles.
                using var model = preset.BuildModel();
                var source = PlantedCohort.Source()(cohort, [.. cohort.Slides], preset);
                var feats = source.Load(cohort.SlidesIn(Split.Train).Select(s => new TileRequest(s.SlideId,
                    TileSampling.Inference(source.CountOf(s.SlideId), preset.Training.InferenceTiles)))).Select(b => model.FrozenFeatures(b.Tiles)).ToList();
                Assert.Equal(FeatureStandardization.Fit(feats).Mean, fitted.Mean);
            }
            var meta = TrainingCheckpoint.ReadMeta(ckpt);
            Assert.Equal(fitted.Mean, meta.Standardization!.Mean);
            Assert.Equal(fitted.Scale, meta.Standardization.Scale);
            using var resumed = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(), CheckpointPath = ckpt }).Resume(ckpt, cohort);
            Assert.Equal(fitted.Mean, resumed.Model!.Standardizer.Get().Mean);
            Assert.Equal(fitted.Scale, resumed.Model.Standardizer.Get().Scale);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class StandardizationComparer : IEqualityComparer<FeatureStandardization>
    {
        public bool Equals(FeatureStandardization? x, FeatureStandardization? y) =>
            x is not null && y is not null && x.Mean.SequenceEqual(y.Mean) && x.Scale.SequenceEqual(y.Scale);

        public int GetHashCode(FeatureStandardization obj) => obj.Mean.Length;
    }
}
