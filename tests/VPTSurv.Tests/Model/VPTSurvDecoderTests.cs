using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

public class VPTSurvDecoderTests
{
    private static VPTSurvDecoder Decoder()
    {
        random.manual_seed(11);
        var decoder = new VPTSurvDecoder(new VPTSurvDecoderConfig(InputDim: 48, Width: 64, Layers: 2, Heads: 4, Bins: 4));
        decoder.eval();
        return decoder;
    }

    [Fact]
    public void OutputIsInvariantToTileOrder()
    {
        using var scope = NewDisposeScope();
        var decoder = Decoder();
        var features = randn(200, 48);
        var permuted = features.index_select(0, randperm(200));
        using var _ = no_grad();
        var a = decoder.forward(new Bag(features));
        var b = decoder.forward(new Bag(permuted));
        Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-5), $"max difference {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void OutputDependsOnTheTiles()
    {
        // Guards the invariance test above against a decoder that ignores its input.
        using var scope = NewDisposeScope();
        var decoder = Decoder();
        using var _ = no_grad();
        var a = decoder.Decode(randn(200, 48));
        var b = decoder.Decode(randn(200, 48) * 3);
        Assert.True((a - b).abs().max().item<float>() > 1e-4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    [InlineData(1000)]
    public void ValidForAnyNumberOfTiles(int n)
    {
        using var scope = NewDisposeScope();
        var decoder = Decoder();
        using var _ = no_grad();
        var logits = decoder.Decode(randn(n, 48));
        Assert.Equal(new long[] { 4 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void WrongFeatureWidthOrEmptyBagIsAClearError()
    {
        using var scope = NewDisposeScope();
        var decoder = Decoder();
        Assert.Contains("(N, 48)", Assert.Throws<ArgumentException>(() => decoder.Decode(randn(5, 32))).Message);
        Assert.Contains("at least one tile", Assert.Throws<ArgumentException>(() => decoder.Decode(randn(0, 48))).Message);
    }
}
