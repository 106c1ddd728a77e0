using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The prompt shift says whether an end-to-end model's prompts changed anything: it is exactly 0 while Up is zero (the
/// prompted encoder then equals the frozen one), grows with Up, equals a hand computation, and every end-to-end report
/// carries it (two-stage reports carry NaN).
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class PromptShiftTests
{
    [Fact]
    public void The_shift_is_zero_while_up_is_zero_and_is_the_rms_of_the_standardised_difference_otherwise()
    {
        using var model = Preset.Smoke.BuildModel();
        model.eval();
        using var tiles = randint(0, 256, [5, 3, Preset.Smoke.Training.TileSize, Preset.Smoke.Training.TileSize]).to(ScalarType.Float32);
        using var context = randint(0, 256, [5, 3, Preset.Smoke.Training.TileSize, Preset.Smoke.Training.TileSize]).to(ScalarType.Float32);
        var (zero, n) = model.PromptShift(new SlideInput(tiles, context));
        Assert.Equal(0.0, zero);
        Assert.Equal(5 * model.Standardizer.Dim, n);

        using (no_grad()) model.Encoder.Up.weight!.fill_(0.05);
        var (ss, count) = model.PromptShift(new SlideInput(tiles, context));
        Assert.True(ss > 0);
        // By hand: standardise both pooled token sets with the model's statistics and sum the squared differences.
        var s = model.Standardizer.Get();
        using var prompted = model.EncodeTiles(new SlideInput(tiles, context)).detach();
        using var frozen = model.FrozenFeatures(tiles);
        double hand = 0;
        var a = prompted.data<float>().ToArray();
        var b = frozen.data<float>().ToArray();
        int d = model.Standardizer.Dim;
        for (int i = 0; i < a.Length; i++)
        {
            double za = (a[i] - s.Mean[i % d]) / s.Scale[i % d], zb = (b[i] - s.Mean[i % d]) / s.Scale[i % d];
            hand += (za - zb) * (za - zb);
        }
        Assert.Equal(n, count);
        Assert.Equal(hand, ss, hand * 1e-4);
    }

    [Fact]
    public void An_end_to_end_report_carries_the_shift_and_a_two_stage_report_does_not()
    {
        var cohort = PlantedCohort.Create(train: 6, val: 3, test: 3, seed: 4);
        var dir = Directory.CreateTempSubdirectory("vptsurv-promptshift-").FullName;
        try
        {
            var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 2, LearningRate = 5e-3 } };
            var options = new TrainerOptions { Source = PlantedCohort.Source(12), WorkDirectory = dir };
            using var endToEnd = new EndToEndTrainer(preset, options).Fit(cohort);
            Assert.True(endToEnd.PromptShift > 0 && double.IsFinite(endToEnd.PromptShift), $"prompt shift {endToEnd.PromptShift}");
            var json = endToEnd.Curve.ToJson();
            Assert.Equal(endToEnd.PromptShift, (double)json["prompt_shift"]!);
            Assert.Equal(endToEnd.PromptShift, TrainingCurve.FromJson(json).PromptShift);
            using var twoStage = new TwoStagePipeline(preset, options).Fit(cohort);
            Assert.True(double.IsNaN(twoStage.PromptShift));
            Assert.Null(twoStage.Curve.ToJson()["prompt_shift"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
