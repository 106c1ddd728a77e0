using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

[Collection(nameof(GlobalTorchRng))]
public class GradientCachingTests
{
    private static Dictionary<string, Tensor> Gradients(bool caching, int microBatch)
    {
        var preset = Preset.Smoke;
        using var model = preset.BuildModel();
        using (no_grad())
        {
            // Up starts at zero, which would make every adaptor gradient zero and the comparison empty.
            var gen = new Generator(3);
            model.Encoder.Up.weight.copy_(randn(model.Encoder.Up.weight.shape, generator: gen) * 0.1);
        }
        var gen2 = new Generator(11);
        using var tiles = randint(0, 256, [8, 3, 32, 32], dtype: ScalarType.Byte, generator: gen2);
        using var context = randint(0, 256, [8, 3, 32, 32], dtype: ScalarType.Byte, generator: gen2);
        model.train();
        model.zero_grad();
        // Two bags accumulated into one step, as the trainer does with BagsPerStep = 2.
        EndToEndStep.Accumulate(model, new SlideInput(tiles, context), bin: 2, eventObserved: true, scale: 0.5, caching, microBatch);
        EndToEndStep.Accumulate(model, new SlideInput(tiles, context).Narrow(0, 5), bin: 1, eventObserved: false, scale: 0.5, caching, microBatch);
        return TrainingCheckpoint.Trainable(model).ToDictionary(p => p.Key, p => p.Value.grad!.detach().clone());
    }

    [Fact]
    public void GradientCachingGivesThePlainStepsAdaptorAndDecoderGradients()
    {
        var plain = Gradients(caching: false, microBatch: 64);
        var cached = Gradients(caching: true, microBatch: 3); // uneven chunks: 3 + 3 + 2 and 3 + 2
        Assert.Equal(plain.Keys.Order(), cached.Keys.Order());
        Assert.Contains(plain.Keys, k => k.StartsWith("encoder.adaptors.", StringComparison.Ordinal));
        Assert.Contains(plain.Keys, k => k.StartsWith("decoder.", StringComparison.Ordinal));
        foreach (var (key, g) in plain)
        {
            double diff = (g - cached[key]).abs().max().item<float>();
            Assert.True(diff <= 1e-5, $"{key}: max |plain - cached| = {diff:E2}");
        }
        // The comparison is not vacuous: the adaptors do receive gradient.
        Assert.True(plain["encoder.adaptors.0.attn.q_proj.weight"].abs().max().item<float>() > 1e-6, "adaptor 0 got no gradient");
        Assert.True(plain["encoder.adaptors.1.mlp.weight"].abs().max().item<float>() > 1e-6, "adaptor 1 got no gradient");
        foreach (var t in plain.Values.Concat(cached.Values)) t.Dispose();
    }
}
