using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>Non-finite features are never cached, and a cached file holding them is not served (it is extracted again).</summary>
public sealed class FiniteFeatureTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("vptsurv-finite-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Nan_features_are_refused_by_the_cache_naming_the_slide_and_leave_no_file()
    {
        var cache = new FeatureCache(dir);
        var key = FeatureCache.Key("tiles", "encoder");
        using var features = tensor(new[] { 1f, float.NaN, 3f, float.PositiveInfinity }, 2, 2);
        var ex = Assert.Throws<NonFiniteException>(() => cache.Write("S1", key, features));
        Assert.Contains("slide 'S1'", ex.Message);
        Assert.Contains("2 of 4 values", ex.Message);
        Assert.False(cache.Contains("S1", key));
    }

    [Fact]
    public void Cached_file_with_nan_features_is_not_served()
    {
        var cache = new FeatureCache(dir);
        var key = FeatureCache.Key("tiles", "encoder");
        using (var poisoned = tensor(new[] { float.NaN, 1f }, 1, 2))
            SafeTensors.Write(cache.PathFor("S1", key), new Dictionary<string, Tensor> { ["features"] = poisoned });
        var ex = Assert.Throws<InvalidDataException>(() => cache.Read("S1", key));
        Assert.Contains(cache.PathFor("S1", key), ex.Message);
        Assert.Contains("NaN", ex.Message);
    }

    [Fact]
    public void Finite_check_names_what_it_checked()
    {
        using var ok = tensor(new[] { 1f, 2f });
        Finite.Require(ok, "fine");
        Assert.Equal(0.5, Finite.Require(0.5, "loss"));
        Assert.Contains("the training loss of epoch 3 is NaN", Assert.Throws<NonFiniteException>(() => Finite.Require(double.NaN, "the training loss of epoch 3")).Message);
    }
}
