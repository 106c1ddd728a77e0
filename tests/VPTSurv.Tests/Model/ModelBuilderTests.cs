using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Model;
using VPTSurv.Pretraining;
using VPTSurv.Prompts;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

[Collection(nameof(GlobalTorchRng))]
public class ModelBuilderTests
{
    private static Tensor Tiles(long n, int t, int seed) =>
        randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: new Generator((ulong)seed));

    private static ModelBuilder SmokeEncoder() => ModelBuilder.WithEncoder(Preset.Smoke.Encoder, ShippedWeights.Smoke);

    [Fact]
    public void Built_from_parts_it_loads_the_pretrained_encoder_and_starts_as_the_frozen_encoder()
    {
        // The builder's model with the preset's parts has the preset's frozen weights (loaded strictly from the shipped
        // file) and, with Up zero, reproduces the frozen encoder bit for bit.
        using var scope = NewDisposeScope();
        var built = SmokeEncoder().Prompts(Preset.Smoke.Prompts).Decoder(Preset.Smoke.Decoder).Build();
        var preset = Preset.Smoke.BuildModel();
        var presetState = preset.Backbone.state_dict();
        foreach (var (key, value) in built.Backbone.state_dict())
            Assert.True(value.allclose(presetState[key], rtol: 0, atol: 0), $"backbone tensor {key} differs from the preset's");
        Assert.All(built.Backbone.parameters(), p => Assert.False(p.requires_grad));
        var tiles = Tiles(3, 32, 1);
        var context = Tiles(3, 32, 2);
        using var noGrad = no_grad();
        Assert.Equal(0.0, (built.EncodeTiles(new SlideInput(tiles, context)) - built.FrozenFeatures(tiles)).abs().max().item<float>());
        Assert.Equal(Preset.Smoke.Model, built.Config);
    }

    [Fact]
    public void Any_bag_decoder_trains_end_to_end_behind_the_chosen_prompt_sources()
    {
        using var scope = NewDisposeScope();
        var model = SmokeEncoder()
            .Prompts(PromptSources.Structure, width: 8)
            .Decoder(d => new Abmil(new AbmilConfig(InputDim: d, HiddenDim: 16, AttentionDim: 8, Dropout: 0, Bins: 3)))
            .Build();
        Assert.IsType<Abmil>(model.BagDecoder);
        Assert.Null(model.Config);
        Assert.Throws<InvalidOperationException>(() => model.Decoder);
        Assert.Equal(PromptSources.Structure, model.Encoder.Config.Sources);
        var logits = model.Forward(new SlideInput(Tiles(4, 32, 3))); // (K)
        Assert.Equal(new long[] { 3 }, logits.shape);
        // One backward: the decoder and Up receive gradients (the adaptors' start at zero because Up is zero, as in the
        // paper's initialisation), the frozen encoder none.
        logits.sum().backward();
        Assert.True(model.Encoder.Up.weight!.grad!.abs().sum().item<float>() > 0, "Up received no gradient");
        Assert.Contains(model.BagDecoder.parameters(), p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
        Assert.All(model.Backbone.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void The_same_seed_gives_the_same_trainable_weights_and_another_seed_does_not()
    {
        using var scope = NewDisposeScope();
        var a = SmokeEncoder().Prompts(PromptSources.None, width: 8).Seed(7).Build();
        var b = SmokeEncoder().Prompts(PromptSources.None, width: 8).Seed(7).Build();
        var c = SmokeEncoder().Prompts(PromptSources.None, width: 8).Seed(8).Build();
        var pa = a.TrainableParameters().ToList();
        var pb = b.TrainableParameters().ToList();
        var pc = c.TrainableParameters().ToList();
        Assert.All(pa.Zip(pb), p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
        Assert.Contains(pa.Zip(pc), p => !p.First.allclose(p.Second, rtol: 0, atol: 0));
    }

    [Fact]
    public void Parts_that_do_not_fit_are_rejected_with_the_reason()
    {
        using var scope = NewDisposeScope();
        var wrongWidth = Assert.Throws<ArgumentException>(() =>
            SmokeEncoder().Decoder(_ => new Abmil(new AbmilConfig(InputDim: 64, HiddenDim: 16, AttentionDim: 8))).Build());
        Assert.Contains("64", wrongWidth.Message);
        Assert.Contains("32", wrongWidth.Message);
        // A spatial decoder fits: the composed model then reads each bag's tile positions.
        using (var spatial = SmokeEncoder().Decoder(d => new PatchGcn(new PatchGcnConfig(InputDim: d, HiddenDim: 16, NumLayers: 2))).Build())
            Assert.True(spatial.Needs.HasFlag(SlideInputParts.Positions));
        Assert.Throws<FileNotFoundException>(() => ModelBuilder.WithEncoder(Preset.Smoke.Encoder, "no-such-weights.safetensors"));
    }
}
