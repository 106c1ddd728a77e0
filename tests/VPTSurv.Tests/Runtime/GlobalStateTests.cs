using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Runtime;
using VPTSurv.Tests.Training;
using VPTSurv.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Runtime;

/// <summary>
/// The library keeps no process-wide mutable state that a run depends on: building a model leaves torch's global
/// generator as it was, every decoder's dropout draws from the run's own generator, and two runs trained at the same
/// time on two threads — while a third thread keeps drawing from the global generator — give exactly what each gives
/// alone.
/// </summary>
[Collection(nameof(Model.GlobalTorchRng))]
public class GlobalStateTests(ITestOutputHelper output)
{
    [Fact]
    public void Building_a_model_leaves_the_global_generator_as_it_was()
    {
        random.manual_seed(2024);
        using var before = random.get_rng_state();
        using (Preset.Smoke.BuildModel(DecoderRegistry.Get("abmil"))) { }
        using var after = random.get_rng_state();
        Assert.True(after.equal(before).all().item<bool>());
    }

    [Fact]
    public void Every_dropout_of_every_built_in_decoder_is_a_stream_dropout()
    {
        foreach (var name in DecoderRegistry.BuiltInNames)
        {
            using var model = Preset.Smoke.BuildModel(DecoderRegistry.Get(name));
            var plain = model.named_modules().Where(m => m.module is TorchSharp.Modules.Dropout).Select(m => m.name).ToList();
            Assert.True(plain.Count == 0, $"{name}: nn.Dropout at {string.Join(", ", plain)} draws from the global generator");
        }
        using var abmil = Preset.Smoke.BuildModel(DecoderRegistry.Get("abmil"));
        using var generator = new Generator(1, CPU);
        Assert.True(RandomStreams.Attach(abmil, generator) > 0);
    }

    private static readonly Preset TwoEpochs = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 2 } };

    // The Smoke configs train without dropout; this ABMIL drops out at 0.25 so that results depend on the dropout stream.
    private static readonly DecoderEntry AbmilWithDropout = new("abmil-dropout", "ABMIL, dropout 0.25", typeof(Abmil),
        p => new Abmil(AbmilConfig.Smoke(p.Encoder.Width) with { Dropout = 0.25, Bins = p.Training.Bins }));

    private static double[] TrainAndPredict(string method, Preset preset, string dir)
    {
        var cohort = PlantedCohort.Create(train: 6, val: 2, test: 3);
        var options = new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = dir };
        using var result = method == TrainedModel.TwoStage
            ? new TwoStagePipeline(preset, AbmilWithDropout, options).Fit(cohort)
            : new EndToEndTrainer(preset, AbmilWithDropout, options).Fit(cohort);
        return [.. result.Predict(Split.Test).Select(p => p.Risk)];
    }

    [Fact]
    public async Task Two_runs_on_two_threads_at_once_give_what_each_gives_alone()
    {
        // One run end to end in float32, the other two-stage with the frozen encoder in bfloat16; both decoders drop out.
        // Before, both seeded torch's global generator for their dropout, so each run's masks depended on when the
        // other one built or trained. (A draw from the global generator by code outside the library in the middle of a
        // build can still change that build: TorchSharp's module constructors draw from it. The library serialises its
        // builds and puts the generator back after each.)
        var a = (Method: TrainedModel.EndToEnd, Preset: TwoEpochs with { Training = TwoEpochs.Training with { Seed = 3 } });
        var b = (Method: TrainedModel.TwoStage, Preset: TwoEpochs with { Training = TwoEpochs.Training with { Seed = 4, Precision = Precision.BFloat16 } });
        var root = Directory.CreateTempSubdirectory("vptsurv-global-state-").FullName;
        try
        {
            var aloneA = TrainAndPredict(a.Method, a.Preset, Path.Combine(root, "a0"));
            using (randn(1000)) { } // the global generator elsewhere than where the first runs found it
            var aloneB = TrainAndPredict(b.Method, b.Preset, Path.Combine(root, "b0"));

            random.manual_seed(12345);
            var together = await Task.WhenAll(
                Task.Run(() => TrainAndPredict(a.Method, a.Preset, Path.Combine(root, "a1"))),
                Task.Run(() => TrainAndPredict(b.Method, b.Preset, Path.Combine(root, "b1"))));
            output.WriteLine($"alone A {string.Join(", ", aloneA)}; together {string.Join(", ", together[0])}");
            output.WriteLine($"alone B {string.Join(", ", aloneB)}; together {string.Join(", ", together[1])}");
            Assert.Equal(aloneA, together[0]);
            Assert.Equal(aloneB, together[1]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_decoder_in_training_depends_on_its_dropout_stream()
    {
        // The guard for the test above: ABMIL's training forward differs between two dropout streams and repeats with
        // one, so equal predictions above are not the result of dropout not mattering.
        using var scope = NewDisposeScope();
        using var decoder = AbmilWithDropout.Build(Preset.Smoke);
        decoder.train();
        var bag = new Bag(randn(12, Preset.Smoke.Encoder.Width));
        Tensor Forward(ulong seed)
        {
            var generator = new Generator(seed, CPU);
            RandomStreams.Attach(decoder, generator);
            return decoder.forward(bag).detach();
        }
        var one = Forward(1);
        Assert.True(one.equal(Forward(1)).all().item<bool>());
        Assert.False(one.equal(Forward(2)).all().item<bool>());
    }
}
