using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Model;
using VPTSurv.Survival;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// Every decoder of the registry, two-stage and end to end, trained for one epoch at the Smoke preset on a tiny planted
/// cohort, saved to one model file, loaded back into a new object (no trainer, no CLI) and asked again: the test split's
/// logits are bit for bit those the trained model gave. The reload predicts in a fresh work folder, so nothing the
/// training run cached (features, tiles) is read back. End to end, the spatial decoders (PatchGCN, HVTSurv) read the
/// tile positions the tile source gives with every bag.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class ModelFileRoundTripTests(ITestOutputHelper output)
{
    private static readonly Preset OneEpoch = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in DecoderRegistry.BuiltInNames)
            foreach (var method in new[] { TrainedModel.TwoStage, TrainedModel.EndToEnd })
                data.Add(name, method);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_saved_and_reloaded_model_predicts_exactly_what_the_trained_one_did(string decoder, string method)
    {
        var entry = DecoderRegistry.Get(decoder);
        var cohort = PlantedCohort.Create(train: 4, val: 2, test: 3);
        var dir = Directory.CreateTempSubdirectory("vptsurv-modelfile-").FullName;
        try
        {
            var train = new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = Path.Combine(dir, "train") };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string path = Path.Combine(dir, "model.safetensors");
            IReadOnlyList<SlidePrediction> before;
            using (var result = method == TrainedModel.TwoStage
                ? new TwoStagePipeline(OneEpoch, entry, train).Fit(cohort)
                : new EndToEndTrainer(OneEpoch, entry, train).Fit(cohort))
            {
                before = result.Predict(Split.Test);
                result.Save(path);
            }

            using var loaded = ModelFile.Load(path);
            var after = loaded.Predict(cohort, Split.Test, new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = Path.Combine(dir, "predict") });

            output.WriteLine($"{decoder} {method}: {clock.Elapsed.TotalSeconds:F1} s, risks {string.Join(", ", after.Select(p => p.Risk.ToString("F4")))}");
            Assert.Equal(method, loaded.Method);
            Assert.Equal(entry.Type, loaded.BagDecoder.GetType());
            Assert.Equal(PresetJson.Of(OneEpoch), PresetJson.Of(loaded.Preset));
            Assert.Equal(before.Select(p => p.SlideId), after.Select(p => p.SlideId));
            for (int i = 0; i < before.Count; i++)
                Assert.Equal(before[i].Logits, after[i].Logits); // exact: same weights, same tiles, same code path
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(TrainedModel.TwoStage)]
    [InlineData(TrainedModel.EndToEnd)]
    public void A_reloaded_models_logits_of_a_bag_of_raw_tokens_are_the_trained_decoders_on_the_standardised_bag(string method)
    {
        var entry = DecoderRegistry.Get("abmil");
        var options = new TrainerOptions { Source = PlantedCohort.Source(8) };
        var cohort = PlantedCohort.Create(train: 4, val: 2, test: 2);
        var path = Path.Combine(Directory.CreateTempSubdirectory("vptsurv-modelfile-bag-").FullName, "m.safetensors");
        using var tokens = randn(5, OneEpoch.Encoder.Width) * 3 + 1; // (N, d) raw pooled tokens
        double[] expected;
        using (var result = method == TrainedModel.TwoStage
            ? new TwoStagePipeline(OneEpoch, entry, options).Fit(cohort)
            : new EndToEndTrainer(OneEpoch, entry, options).Fit(cohort))
        {
            result.Save(path);
            var decoder = result.Model?.BagDecoder ?? result.Decoder!;
            decoder.eval();
            using var _ = no_grad();
            using var standardized = result.Standardization!.Apply(tokens);
            using var logits = decoder.forward(new Bag(standardized));
            expected = logits.to(ScalarType.Float64).data<double>().ToArray();
        }
        using var loaded = ModelFile.Load(path);
        Assert.Equal(expected, loaded.Logits(new Bag(tokens)));
        Assert.Equal(DiscreteTimeHead.RiskOf(expected), loaded.Risk(new Bag(tokens)));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
