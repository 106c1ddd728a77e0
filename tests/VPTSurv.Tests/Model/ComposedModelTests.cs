using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

public class ComposedModelTests
{
    private static Tensor Tiles(long n, int t, int seed)
    {
        var g = new Generator((ulong)seed);
        return randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: g);
    }

    [Fact]
    public void ZeroInitialisedUpReproducesTheFrozenEncoderExactly()
    {
        using var scope = NewDisposeScope();
        var preset = Preset.Smoke;
        var model = preset.BuildModel();
        var tiles = Tiles(3, preset.Encoder.ImageSize, 1);
        var context = Tiles(3, preset.Encoder.ImageSize, 2);
        // Same autograd mode on both sides, so both run the same attention kernels.
        using var noGrad = no_grad();
        var prompted = model.EncodeTiles(new SlideInput(tiles, context));
        var frozen = model.FrozenFeatures(tiles);
        Assert.Equal(new long[] { 3, preset.Encoder.Width }, prompted.shape);
        // Up is exactly zero, so every prompt is exactly zero and the sums are bit-identical.
        Assert.Equal(0.0, (prompted - frozen).abs().max().item<float>());
    }

    [Fact]
    public void NonZeroUpChangesTheTokens()
    {
        // Guards that the prompts really enter the blocks (otherwise the zero-Up test above would pass vacuously).
        using var scope = NewDisposeScope();
        var preset = Preset.Smoke;
        var model = preset.BuildModel();
        using (no_grad()) nn.init.normal_(model.Encoder.Up.weight, std: 0.1);
        var tiles = Tiles(2, preset.Encoder.ImageSize, 3);
        var context = Tiles(2, preset.Encoder.ImageSize, 4);
        var diff = (model.EncodeTiles(new SlideInput(tiles, context)) - model.FrozenFeatures(tiles)).abs().max().item<float>();
        Assert.True(diff > 1e-3, $"prompted and frozen features differ by only {diff}");
    }

    [Fact]
    public void ASpatialDecoderEndToEndReadsTheSlideInputsPositions()
    {
        using var scope = NewDisposeScope();
        var preset = Preset.Smoke with { Prompts = Preset.Smoke.Prompts with { Sources = PromptSources.None } };
        using var model = preset.BuildModel(DecoderRegistry.Get("hvtsurv"));
        Assert.Equal(SlideInputParts.Positions, model.Needs);
        int t = preset.Encoder.ImageSize;
        var tiles = Tiles(18, t, 7);
        var missing = Assert.Throws<ArgumentException>(() => model.Forward(new SlideInput(tiles)));
        Assert.Contains("HvtSurv decoder needs the slide input's tile positions", missing.Message);
        // 18 tiles in a row, one tile apart, against the same tiles laid out in another order: HVTSurv's windows of 9
        // neighbouring tiles hold other tiles, so the logits differ.
        var row = tensor(Enumerable.Range(0, 18).SelectMany(i => new float[] { i * t, 0 }).ToArray(), [18, 2]);
        var shuffled = tensor(Enumerable.Range(0, 18).SelectMany(i => new float[] { i * 7 % 18 * t, 0 }).ToArray(), [18, 2]);
        model.eval();
        using var _ = no_grad();
        var a = model.Forward(new SlideInput(tiles, Positions: row));
        var b = model.Forward(new SlideInput(tiles, Positions: shuffled));
        Assert.True((a - b).abs().max().item<float>() > 1e-6, "the decoder's output does not depend on the tile positions");
    }

    [Fact]
    public void OnlyAdaptorsSourcesAndDecoderReceiveGradients()
    {
        using var scope = NewDisposeScope();
        var preset = Preset.Smoke with { Prompts = Preset.Smoke.Prompts with { Sources = PromptSources.StructureScale | PromptSources.Tabular, Covariates = 3 } };
        var model = preset.BuildModel();
        // After a training step Up is no longer zero; give it values so every upstream parameter gets a non-zero gradient.
        using (no_grad()) nn.init.normal_(model.Encoder.Up.weight, std: 0.1);
        int t = preset.Encoder.ImageSize;
        var logits = model.Forward(new SlideInput(Tiles(4, t, 5), Tiles(4, t, 6), tensor(new float[] { 0.5f, -1f, 2f })));
        var loss = logits.sum();
        loss.backward();
        int trainable = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.StartsWith("encoder.vit.", StringComparison.Ordinal))
            {
                Assert.False(p.requires_grad, $"{name} should be frozen");
                Assert.True(p.grad is null, $"frozen {name} received a gradient");
            }
            else
            {
                trainable++;
                Assert.True(p.requires_grad, $"{name} should be trainable");
                Assert.True(p.grad is not null, $"{name} received no gradient");
                Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
            }
        }
        Assert.Contains(model.named_parameters(), np => np.name.StartsWith("encoder.tabular.", StringComparison.Ordinal));
        Assert.True(trainable > 10);
    }

    [Fact]
    public void ZeroUpStillPassesGradientToUpItself()
    {
        // At initialisation the only non-zero adaptor gradient is Up's: this is how training leaves the frozen encoder.
        using var scope = NewDisposeScope();
        var model = Preset.Smoke.BuildModel();
        int t = Preset.Smoke.Encoder.ImageSize;
        model.Forward(new SlideInput(Tiles(2, t, 7), Tiles(2, t, 8))).sum().backward();
        Assert.True(model.Encoder.Up.weight.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void ParameterReportSeparatesFrozenEncoderFromTrainableParts()
    {
        using var scope = NewDisposeScope();
        var model = Preset.Smoke.BuildModel();
        var report = model.CountParameters();
        Assert.Equal(0, report["encoder"].Trainable);
        Assert.True(report["encoder"].Frozen > 0);
        foreach (var part in new[] { "prompt sources", "adaptors", "up", "decoder" })
        {
            Assert.Equal(0, report[part].Frozen);
            Assert.True(report[part].Trainable > 0, part);
        }
        long all = model.parameters().Sum(p => p.numel());
        Assert.Equal(all, report.Trainable + report.Frozen);
    }

    [Fact]
    public void TrainModeKeepsTheEncoderInEval()
    {
        using var scope = NewDisposeScope();
        var model = Preset.Smoke.BuildModel();
        model.train();
        Assert.False(model.Backbone.training);
        Assert.True(model.Decoder.training);
    }

    [Fact]
    public void MissingContextForScaleSourceIsAClearError()
    {
        using var scope = NewDisposeScope();
        var model = Preset.Smoke.BuildModel();
        var ex = Assert.Throws<ArgumentException>(() => model.EncodeTiles(new SlideInput(Tiles(1, Preset.Smoke.Encoder.ImageSize, 9))));
        Assert.Contains("context", ex.Message);
    }

    [Theory]
    [InlineData("paper")]
    [InlineData("cpu")]
    [InlineData("smoke")]
    public void PresetsAreConsistentAndFoundByName(string name)
    {
        var preset = Preset.ByName(name.ToUpperInvariant());
        Assert.Equal(name, preset.Name);
        preset.Validate();
        Assert.Throws<ArgumentException>(() => (preset with { Training = preset.Training with { Bins = preset.Decoder.Bins + 1 } }).Validate());
    }
}
