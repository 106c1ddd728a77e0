using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

/// <summary>libtorch's default generator is process-wide: tests that seed it must not run beside other tests.</summary>
[CollectionDefinition(nameof(GlobalTorchRng), DisableParallelization = true)]
public sealed class GlobalTorchRng;

[Collection(nameof(GlobalTorchRng))]
public class SeedDeterminismTests
{
    [Fact]
    public void SameSeedGivesTheSameInitialisation()
    {
        using var scope = NewDisposeScope();
        var a = Preset.Smoke.BuildModel().state_dict();
        var b = Preset.Smoke.BuildModel().state_dict();
        foreach (var (key, value) in a)
            Assert.True(value.allclose(b[key], rtol: 0, atol: 0), key);
    }

    [Fact]
    public void ADifferentSeedGivesADifferentInitialisation()
    {
        using var scope = NewDisposeScope();
        var a = Preset.Smoke.BuildModel().state_dict();
        var other = Preset.Smoke with { Training = Preset.Smoke.Training with { Seed = 1 } };
        var b = other.BuildModel().state_dict();
        Assert.False(a["decoder.queries"].allclose(b["decoder.queries"], rtol: 0, atol: 0));
    }
}
