using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Model;
using VPTSurv.Survival;
using VPTSurv.Tests.Encoders;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

/// <summary>
/// The Cpu-preset model against its PyTorch twin (bench/pytorch_twin): the twin loaded our exported weights
/// (Fixtures/twin/cpu_weights.safetensors plus the shipped encoder) and computed, on deterministic tiles, the prompted
/// tokens, pooled tokens, logits, loss, a gradient of every trainable part and the two-stage frozen features
/// (Fixtures/twin/cpu_twin_outputs.safetensors, made by <c>bench twin-fixture</c>). This guards that the twin used by
/// bench training-vs-pytorch is the same model, and that speed work in the library does not change what it computes.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class PyTorchTwinParityTests
{
    private const int Tiles = 4;

    private static string Fixture(string file) => TestSetup.Fixture("twin", file);

    /// <summary>(n, 3, T, T) uint8 from an LCG of the flat index: the values twin.py's deterministic_tiles makes.</summary>
    private static Tensor DeterministicTiles(int n, int tile, long offset)
    {
        var i = arange(offset, offset + (long)n * 3 * tile * tile, dtype: ScalarType.Int64);
        return (i * 1103515245L + 12345L).div(65536L, rounding_mode: RoundingMode.floor).remainder(256L)
            .to(ScalarType.Byte).view(n, 3, tile, tile);
    }

    /// <summary>The Cpu preset with the shipped encoder and the exported trainable weights the twin loaded.</summary>
    private static VPTSurvModel LoadModel()
    {
        var model = Preset.Cpu.BuildModel();
        var state = model.state_dict();
        var exported = SafeTensors.Read(Fixture("cpu_weights.safetensors"));
        Assert.Equal(state.Keys.Count(k => !k.StartsWith("encoder.vit.", StringComparison.Ordinal)), exported.Count);
        using (no_grad())
            foreach (var (key, value) in exported)
            {
                Assert.True(state.ContainsKey(key), $"fixture key {key} is not in the model");
                state[key].copy_(value);
            }
        model.train();
        return model;
    }

    private static (Tensor Tiles, Tensor Context) Inputs()
    {
        int t = Preset.Cpu.Training.TileSize;
        return (DeterministicTiles(Tiles, t, 0), DeterministicTiles(Tiles, t, (long)Tiles * 3 * t * t));
    }

    [Fact]
    public void ForwardMatchesThePyTorchTwin()
    {
        using var scope = NewDisposeScope();
        using var model = LoadModel();
        var expected = SafeTensors.Read(Fixture("cpu_twin_outputs.safetensors"));
        var (tiles, context) = Inputs();
        using var _ = no_grad();
        var tokens = model.ForwardFeatures(new SlideInput(tiles, context)); // (N, n, d)
        var pooled = VPTSurvModel.Pool(tokens);
        var logits = model.Decode(pooled);
        var loss = SurvivalLoss.DiscreteTimeNll(logits.unsqueeze(0), tensor(new[] { 1L }), tensor(new[] { 1f }));
        Assert.InRange(ReferenceFixtures.MaxError(tokens, expected["tokens"]), 0, 1e-4);
        Assert.InRange(ReferenceFixtures.MaxError(pooled, expected["pooled"]), 0, 1e-4);
        Assert.InRange(ReferenceFixtures.MaxError(logits, expected["logits"]), 0, 1e-4);
        Assert.InRange(ReferenceFixtures.MaxError(loss.reshape(1), expected["loss"]), 0, 1e-4);
    }

    [Fact]
    public void TheFixtureExercisesThePrompts()
    {
        // With Up at zero the prompted tokens equal the frozen ones and the prompt path would go unchecked.
        using var scope = NewDisposeScope();
        var expected = SafeTensors.Read(Fixture("cpu_twin_outputs.safetensors"));
        var gap = (expected["pooled"] - expected["frozen_pooled"]).abs().max().item<float>();
        Assert.True(gap > 1e-2, $"prompted and frozen pooled tokens differ by only {gap}");
    }

    [Fact]
    public void GradientsMatchThePyTorchTwin()
    {
        using var scope = NewDisposeScope();
        using var model = LoadModel();
        var expected = SafeTensors.Read(Fixture("cpu_twin_outputs.safetensors"));
        var (tiles, context) = Inputs();
        var logits = model.Forward(new SlideInput(tiles, context)).unsqueeze(0); // (1, K)
        SurvivalLoss.DiscreteTimeNll(logits, tensor(new[] { 1L }), tensor(new[] { 1f })).backward();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var grads = expected.Keys.Where(k => k.StartsWith("grad.", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, grads.Count);
        foreach (var key in grads)
        {
            var ours = parameters[key["grad.".Length..]].grad!;
            var theirs = expected[key];
            // Relative to the gradient's own scale: gradients are small, so an absolute 1e-4 would say little.
            double scale = theirs.abs().max().item<float>();
            Assert.True(scale > 0, $"{key}: the twin's gradient is zero");
            double error = (ours - theirs).abs().max().item<float>() / scale;
            Assert.True(error <= 1e-4, $"{key}: max |ours - twin| / max |twin| = {error:E2}");
        }
    }

    [Fact]
    public void TwoStageFeaturesMatchThePyTorchTwin()
    {
        using var scope = NewDisposeScope();
        using var model = LoadModel();
        var expected = SafeTensors.Read(Fixture("cpu_twin_outputs.safetensors"));
        var (tiles, _) = Inputs();
        Assert.InRange(ReferenceFixtures.MaxError(model.FrozenFeatures(tiles), expected["frozen_pooled"]), 0, 1e-4);
    }
}
