using VPTSurv.Pretraining;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

/// <summary>The end-to-end trainer, the two-stage pipeline and MAE pretraining all run their steps through one loop.</summary>
[Collection(nameof(GlobalTorchRng))]
public class OneLoopTests
{
    private static void AssertOneRun(List<LoopProgress> seen, string trainer, int steps, int stepsPerEpoch, Func<int, double> schedule)
    {
        Assert.Equal(steps, seen.Count);
        Assert.All(seen, p => Assert.Equal(trainer, p.Trainer));
        Assert.Equal(Enumerable.Range(1, steps), seen.Select(p => p.Step));
        Assert.Equal(Enumerable.Range(0, steps).Select(s => s / stepsPerEpoch + 1), seen.Select(p => p.Epoch));
        Assert.Equal(Enumerable.Range(0, steps).Select(s => s % stepsPerEpoch + 1), seen.Select(p => p.StepInEpoch));
        Assert.Equal(Enumerable.Range(0, steps).Select(schedule), seen.Select(p => p.LearningRate));
        Assert.All(seen, p => Assert.True(double.IsFinite(p.Loss) && p.Loss >= 0, $"step {p.Step}: loss {p.Loss}"));
    }

    [Fact]
    public void TheOneStepLoopDrivesEndToEndTwoStageAndMaePretraining()
    {
        var cohort = PlantedCohort.Create(train: 6, val: 4, test: 2);
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 2, BagsPerStep = 2, WarmupEpochs = 1 } };
        int stepsPerEpoch = 3; // 6 training slides, 2 per step
        var schedule = CosineSchedule.For(preset.Training, stepsPerEpoch);
        Assert.True(schedule.At(0) < schedule.At(2)); // warm-up, then decay
        Assert.True(schedule.At(5) < schedule.At(3));

        var e2e = new List<LoopProgress>();
        using (new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(), LoopProgress = new SyncProgress<LoopProgress>(e2e.Add) }).Fit(cohort)) { }
        AssertOneRun(e2e, "end-to-end", 6, stepsPerEpoch, schedule.At);

        var twoStage = new List<LoopProgress>();
        using (new TwoStagePipeline(preset, new TrainerOptions { Source = PlantedCohort.Source(), LoopProgress = new SyncProgress<LoopProgress>(twoStage.Add) }).Fit(cohort)) { }
        AssertOneRun(twoStage, "two-stage/VPTSurvDecoder", 6, stepsPerEpoch, schedule.At);

        var mae = new List<LoopProgress>();
        var config = MaeConfig.Smoke with
        {
            Steps = 4, WarmupSteps = 2, BatchSize = 8, Seed = 11, CheckpointEvery = 2,
            Tiles = MaeTileSource.Synthetic(slides: 2, tilesPerSlide: 8, tileSize: 32),
        };
        using (var r = MaePretraining.Run(config, observer: new SyncProgress<LoopProgress>(mae.Add)).Model) { }
        AssertOneRun(mae, "mae", 4, 2, s => MaeSchedule.At(config, s));
    }
}
