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
        // The real synthetic-null cohort (rendered slides, tissue detection, tile pools): a small training subset and
        // its whole test split (135 slides). A first version with 40 test slides gave C = 0.66: with clustered slides
        // the spread of C at n = 40 is too wide for [0.4, 0.6], so the test needs the full split.
        var cohort = SyntheticCohorts.Generate(SyntheticCohortConfig.Null).Cohort;
        var preset = Preset.Smoke with
        {
            Training = Preset.Smoke.Training with { Epochs = 1, TilePool = 8, Subset = new CohortSubset(Train: 20, Val: 6, Test: null, Seed: 1) },
        };
        using var result = new EndToEndTrainer(preset).Fit(cohort);
        var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 50));
        Assert.Equal(135, report.Slides);
        Assert.NotNull(report.SlideC);
        Assert.InRange(report.SlideC!.Estimate, 0.4, 0.6);
    }

    [Fact]
    public void OnAPlantedNullCohortTheTestCStaysNearChance()
    {
        // Same tiles as the planted-signal cohort, outcomes drawn independently of them; 200 test slides.
        var cohort = PlantedCohort.Create(train: 30, val: 10, test: 200, seed: 9, nullOutcome: true);
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 2, LearningRate = 2e-3 } };
        using var result = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(16) }).Fit(cohort);
        var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 50));
        Assert.InRange(report.SlideC!.Estimate, 0.4, 0.6);
    }

    [Fact]
    public void OnAPlantedSignalCohortEndToEndTrainingIsClearlyAboveChance()
    {
        // "Clearly above chance" as a statistical statement: the 95% bootstrap interval of the test C excludes 0.5. 200
        // test slides (as the planted null test), because at 40 the interval is about ±0.1 wide and the point estimate
        // alone cannot carry the claim (a fixed cut at 0.65 failed at 0.601 once the Smoke encoder was re-made).
        var cohort = PlantedCohort.Create(train: 40, val: 10, test: 200, seed: 5);
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 3, LearningRate = 2e-3 } };
        using var result = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(16) }).Fit(cohort);
        var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 200));
        var c = report.SlideC!;
        Assert.True(c.Lower > 0.5, $"test C {c.Estimate:F3} [{c.Lower:F3}, {c.Upper:F3}] on {report.Slides} slides");
    }
}
