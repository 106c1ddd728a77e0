using TorchSharp;
using VPTSurv.Decoders;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

/// <summary>Seeded bags for the decoder tests.</summary>
internal static class DecoderTestData
{
    /// <summary>N tiles of width D with random features and distinct grid coordinates (256-px tiles on a roughly square grid).</summary>
    public static Bag RandomBag(long n, int d, int seed = 0, Tensor? slideIndex = null)
    {
        var g = new Generator((ulong)seed + 1);
        var features = torch.randn(n, d, generator: g);
        return new Bag(features, GridCoordinates(n, seed), slideIndex);
    }

    /// <summary>Distinct tile positions in level-0 pixels: a shuffled sub-grid with 256-px steps.</summary>
    public static Tensor GridCoordinates(long n, int seed = 0)
    {
        long side = (long)Math.Ceiling(Math.Sqrt(n)) + 1;
        var g = new Generator((ulong)seed + 7);
        var cells = torch.randperm(side * side, generator: g)[..(int)n];
        var xy = torch.stack([cells % side, cells / side], 1).to(ScalarType.Float32) * 256f;
        return xy;
    }

    public static long ParameterCount(nn.Module m) => m.parameters().Sum(p => p.numel());
}
