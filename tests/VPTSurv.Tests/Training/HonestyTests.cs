using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

[Collection(nameof(GlobalTorchRng))]
public class HonestyTests
{
    [Fact]
    public void OnSyntheticNullTheTestCStaysNearChance()
    {
        using var threads = new SingleThread();
        // The real synthetic-null cohort (rendered slides, tissue detection, tile pools), a small subset of it.
        var cohort = SyntheticCohorts.Generate(SyntheticCohortConfig.Null).Cohort;
        var preset = Preset.Smoke with
        {
            Training = Preset.Smoke.Training with { Epochs = 2, TilePool = 8, Subset = new CohortSubset(Train: 20, Val: 6, Test: 40, Seed: 1) },
        };
        using var result = new EndToEndTrainer(preset).Fit(cohort);
        var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 50));
        Assert.InRange(report.Slides, 35, 40);
        Assert.NotNull(report.SlideC);
        Assert.InRange(report.SlideC!.Estimate, 0.4, 0.6);
    }

    [Fact]
    public void OnAPlantedSignalCohortEndToEndTrainingIsClearlyAboveChance()
    {
        using var threads = new SingleThread();
        var cohort = PlantedCohort.Create(train: 40, val: 10, test: 40, seed: 5);
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 3, LearningRate = 2e-3 } };
        using var result = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(16) }).Fit(cohort);
        var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 50));
        // The planted signal explains a hazard ratio of e^3 across the range; a working engine must find it.
        Assert.True(report.SlideC!.Estimate > 0.65, $"test C {report.SlideC.Estimate:F3}");
    }
}
