using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Prompts;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Prompts;

public class StructurePromptTests
{
    [Fact]
    public void HighFrequencyComponentRemovesAConstantImage()
    {
        using var scope = NewDisposeScope();
        var constant = full(new long[] { 2, 3, 32, 32 }, 1.7f);
        Assert.True(HighFrequency.Extract(constant, 0.25).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void HighFrequencyComponentKeepsAnEdge()
    {
        using var scope = NewDisposeScope();
        const int t = 32;
        var step = zeros(1, 3, t, t);
        step[.., .., .., (t / 2)..] = 2.0f; // a vertical edge between columns 15 and 16
        var profile = HighFrequency.Extract(step, 0.25).mean([0, 1, 2]); // (T) response per column
        float atEdge = Math.Min(profile[t / 2 - 1].item<float>(), profile[t / 2].item<float>());
        float inFlatRegion = Math.Max(profile[t / 4].item<float>(), profile[3 * t / 4].item<float>());
        Assert.True(atEdge > 0.3, $"edge response {atEdge}");
        Assert.True(atEdge > 5 * inFlatRegion, $"edge {atEdge} vs flat region {inFlatRegion}");
    }

    [Fact]
    public void HighFrequencyComponentMatchesPyTorchReference()
    {
        using var scope = NewDisposeScope();
        var io = SafeTensors.Read(TestSetup.Fixture("encoders", "hfc_reference.safetensors"));
        var actual = HighFrequency.Extract(io["input"], 0.25);
        Assert.True(actual.allclose(io["output"], rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void TauZeroRemovesNothing()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 16, 16);
        Assert.True(HighFrequency.Extract(x, 0).allclose(x.abs(), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void ImageSourcesGiveOnePromptTokenPerPatch()
    {
        using var scope = NewDisposeScope();
        var x = randn(3, 3, 32, 32);
        var input = new PromptContext(new SlideInput(x, Context: x, Covariates: randn(5)), x, randn(3, 16, 24), t => t);
        Assert.Equal(new long[] { 3, 16, 8 }, new StructureSource(8, 8, 0.25).forward(input).shape);
        Assert.Equal(new long[] { 3, 16, 8 }, new ScaleSource(8, 8).forward(input).shape);
        Assert.Equal(new long[] { 3, 1, 8 }, new TabularSource(5, 8).forward(input).shape); // one token per tile, shared
    }
}
