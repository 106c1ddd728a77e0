using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

/// <summary>The did-not-learn mark: set when the labels carry nothing the model could learn, not set when they do.</summary>
[Collection(nameof(GlobalTorchRng))]
public class LearningCheckTests
{
    private static readonly Preset ThreeEpochs = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 3, LearningRate = 2e-3 } };

    /// <summary>The planted cohort with every training patient's (time, event) moved to another training patient.</summary>
    private static Cohort ShuffleTrainingLabels(Cohort cohort, int seed)
    {
        var train = cohort.Patients.Where(p => p.Split == Split.Train).ToArray();
        var labels = train.Select(p => (p.Time, p.EventObserved)).ToArray();
        new Random(seed).Shuffle(labels);
        var moved = train.Select((p, i) => (p.PatientId, labels[i])).ToDictionary(x => x.PatientId, x => x.Item2);
        return new Cohort(cohort.Name + "-shuffled", [.. cohort.Patients.Select(p => moved.TryGetValue(p.PatientId, out var l)
            ? p with { Time = l.Time, EventObserved = l.EventObserved, Slides = [.. p.Slides.Select(s => s with { Time = l.Time, EventObserved = l.EventObserved })] }
            : p)]);
    }

    [Fact]
    public void ARunOnShuffledLabelsIsMarkedDidNotLearn()
    {
        var cohort = ShuffleTrainingLabels(PlantedCohort.Create(train: 60, val: 60, test: 10, seed: 5), seed: 1);
        using var result = new TwoStagePipeline(ThreeEpochs, new TrainerOptions { Source = PlantedCohort.Source(16) }).Fit(cohort);
        Assert.True(result.DidNotLearn, result.Learning.Reason);
        Assert.StartsWith("did not learn", result.Learning.Reason);
        Assert.True(result.Evaluate(Split.Test).DidNotLearn);
        Assert.Equal(true, (bool?)result.Evaluate(Split.Test).ToJson()["did_not_learn"]);
    }

    [Fact]
    public void APlantedSignalRunIsNotMarked()
    {
        // The planted signal is the main variation of the standardised features, so a random decoder ranks it forwards
        // (validation C near the cohort's ceiling, ~0.77: nothing left to learn, rightly "did not learn") or backwards
        // (C near 0.23). The premise of this test is a run with something to learn: the first seed whose untrained
        // decoder ranks backwards. Training must turn it round by more than the margin.
        var cohort = PlantedCohort.Create(train: 60, val: 60, test: 10, seed: 5);
        foreach (int seed in Enumerable.Range(0, 6))
        {
            var preset = ThreeEpochs with { Training = ThreeEpochs.Training with { Seed = seed } };
            using var result = new TwoStagePipeline(preset, new TrainerOptions { Source = PlantedCohort.Source(16) }).Fit(cohort);
            if (result.Untrained.ValidationC >= 0.5) continue;
            Assert.False(result.DidNotLearn, result.Learning.Reason);
            Assert.True(result.BestValidationC > 0.5 + result.Learning.Margin);
            return;
        }
        Assert.Fail("no seed in 0..5 gave an untrained decoder below chance on the planted cohort");
    }

    [Fact]
    public void EveryReportCarriesEpochZeroAndTrainingAndValidationCPerEpoch()
    {
        var cohort = PlantedCohort.Create(train: 12, val: 8, test: 6);
        using var result = new EndToEndTrainer(Preset.Smoke, new TrainerOptions { Source = PlantedCohort.Source() }).Fit(cohort);
        Assert.Equal(0, result.Untrained.Epoch);
        Assert.True(double.IsFinite(result.Untrained.TrainC) && double.IsFinite(result.Untrained.ValidationC));
        Assert.Equal(Preset.Smoke.Training.Epochs, result.History.Count);
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.TrainC) && double.IsFinite(h.ValidationC), $"epoch {h.Epoch}"));
        var json = result.Evaluate(Split.Test).ToJson()["training"]!;
        var epochs = json["epochs"]!.AsArray();
        Assert.Equal(Preset.Smoke.Training.Epochs + 1, epochs.Count);
        Assert.Equal(0, (int)epochs[0]!["epoch"]!);
        Assert.Equal(result.Untrained.ValidationC, (double)epochs[0]!["validation_c"]!);
        Assert.NotNull(json["did_not_learn"]);
        Assert.NotNull(json["did_not_learn_reason"]);
    }

    [Fact]
    public void TheMarginIsTwoNullStandardErrorsOfTheValidationSplitAndAtLeastTwoPoints()
    {
        // A validation split of 80 slides, half with events: the permutation SD of C is about 0.04 (hand check: the
        // normal approximation sqrt((n + 1) / (12 n))·… ≈ 0.035–0.045 for this pair structure).
        var rng = new Random(3);
        var time = Enumerable.Range(0, 80).Select(_ => 1 + 10 * rng.NextDouble()).ToArray();
        var ev = Enumerable.Range(0, 80).Select(i => i % 2 == 0).ToArray();
        var check = LearningCheck.Assess(time, ev, untrainedC: 0.42, bestC: 0.55);
        Assert.InRange(check.NullStdError, 0.03, 0.06);
        Assert.Equal(2 * check.NullStdError, check.Margin, 12);
        Assert.Equal(0.5, check.Baseline); // the untrained 0.42 is below chance: chance is the bar
        Assert.True(check.DidNotLearn);
        Assert.False(LearningCheck.Assess(time, ev, 0.42, 0.5 + check.Margin + 0.01).DidNotLearn);
        Assert.True(LearningCheck.Assess(time, ev, 0.62, 0.62 + check.Margin - 0.001).DidNotLearn); // a lucky start is the bar
        // No validation C: not shown as learned.
        Assert.True(LearningCheck.Assess([], [], double.NaN, double.NaN).DidNotLearn);
    }
}
