using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

/// <summary>The configurations of the PyTorch reference encoders in Fixtures/encoders (see make_fixtures.py).</summary>
internal static class ReferenceFixtures
{
    public static string Path(string file) => TestSetup.Fixture("encoders", file);

    public static SamViTConfig Sam(int imageSize) => new()
    {
        ImageSize = imageSize, PatchSize = 8, Width = 64, Depth = 3, Heads = 4, MlpRatio = 2, WindowSize = 3,
        GlobalBlocks = [1], NeckChannels = 32, Normalization = PixelNormalization.Sam,
    };

    public static TimmViTConfig Timm(int imageSize) => new()
    {
        ImageSize = imageSize, PatchSize = 8, Width = 64, Depth = 2, Heads = 4, MlpRatio = 2, RegisterTokens = 2,
        NoEmbedClass = true, LayerScaleInit = 1e-5, Normalization = PixelNormalization.ImageNet,
    };

    public static TimmViTConfig HuggingFace(int imageSize) => new()
    {
        ImageSize = imageSize, PatchSize = 8, Width = 64, Depth = 2, Heads = 4, MlpRatio = 2, LayerNormEps = 1e-12,
        Normalization = PixelNormalization.ImageNet,
    };

    /// <summary>Input and expected outputs saved by the reference run, by name (e.g. "sam_40.tokens").</summary>
    public static Dictionary<string, Tensor> Io() => SafeTensors.Read(Path("reference_io.safetensors"));

    /// <summary>Largest |a - b| relative to max(1, |b|), the "match to 1e-4" criterion.</summary>
    public static double MaxError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        return ((actual - expected).abs() / expected.abs().clamp_min(1.0)).max().item<float>();
    }
}
