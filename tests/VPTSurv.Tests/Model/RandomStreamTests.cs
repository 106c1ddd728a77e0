using VPTSurv.Decoders;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Runtime;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

/// <summary>Components draw from their own streams of (seed, name): an ablation row changes only what it changes.</summary>
[Collection(nameof(GlobalTorchRng))]
public class RandomStreamTests
{
    private static Preset WithSources(PromptSources sources, int seed = 0) =>
        Preset.Smoke with { Prompts = Preset.Smoke.Prompts with { Sources = sources }, Training = Preset.Smoke.Training with { Seed = seed } };

    private static Dictionary<string, float[]> State(VPTSurvModel m, Func<string, bool> keep) =>
        m.state_dict().Where(p => keep(p.Key)).ToDictionary(p => p.Key, p => p.Value.data<float>().ToArray());

    private static bool Shared(string key) =>
        key.StartsWith("decoder.", StringComparison.Ordinal) || key.StartsWith("encoder.adaptors.", StringComparison.Ordinal)
        || key.StartsWith("encoder.tile.", StringComparison.Ordinal) || key.StartsWith("encoder.up.", StringComparison.Ordinal);

    [Fact]
    public void AblationRowsWithTheSameSeedStartFromTheSameDecoderAndAdaptors()
    {
        // VPT (tile prompt only) against VPT + structure + scale: the extra sources are built, and draw, in between.
        using var vpt = WithSources(PromptSources.None).BuildModel();
        using var full = WithSources(PromptSources.StructureScale).BuildModel();
        using var structure = WithSources(PromptSources.Structure).BuildModel();
        var a = State(vpt, Shared);
        Assert.Contains(a.Keys, k => k.StartsWith("decoder.", StringComparison.Ordinal));
        Assert.Contains(a.Keys, k => k.StartsWith("encoder.adaptors.", StringComparison.Ordinal));
        foreach (var other in new[] { State(full, Shared), State(structure, Shared) })
        {
            Assert.Equal(a.Keys.Order(), other.Keys.Order());
            foreach (var (k, v) in a) Assert.True(v.SequenceEqual(other[k]), $"{k} differs between ablation rows with the same seed");
        }
        // The structure source itself is the same whether or not the scale source is built too.
        var s1 = State(full, k => k.StartsWith("encoder.structure.", StringComparison.Ordinal));
        var s2 = State(structure, k => k.StartsWith("encoder.structure.", StringComparison.Ordinal));
        Assert.NotEmpty(s1);
        foreach (var (k, v) in s1) Assert.True(v.SequenceEqual(s2[k]), k);
    }

    [Fact]
    public void ADifferentSeedGivesADifferentDecoderAndAdaptors()
    {
        using var a = WithSources(PromptSources.StructureScale, seed: 0).BuildModel();
        using var b = WithSources(PromptSources.StructureScale, seed: 1).BuildModel();
        var sa = State(a, Shared);
        var sb = State(b, Shared);
        Assert.False(sa["decoder.queries"].SequenceEqual(sb["decoder.queries"]));
        Assert.False(sa.Where(p => p.Key.StartsWith("encoder.adaptors.", StringComparison.Ordinal)).All(p => p.Value.SequenceEqual(sb[p.Key])));
    }

    [Fact]
    public void TheTwoStageDecoderStartsWhereTheEndToEndDecoderStarts()
    {
        // Same seed: "only VPTSurv decoder" and end to end begin from the same decoder, so they differ only in the prompts.
        using var model = Preset.Smoke.BuildModel();
        using var decoder = RandomStreams.Build(Preset.Smoke.Training.Seed, RandomStreams.Names.Decoder, () => new VPTSurvDecoder(Preset.Smoke.Decoder));
        var e2e = State(model, k => k.StartsWith("decoder.", StringComparison.Ordinal));
        foreach (var (k, v) in decoder.state_dict())
            Assert.True(v.data<float>().ToArray().SequenceEqual(e2e["decoder." + k]), k);
    }

    [Fact]
    public void StreamSeedsAreStableAndDistinct()
    {
        // Fixed values, computed independently in Python (hashlib.sha256, the same SplitMix64 finaliser): the streams
        // must not change between processes or .NET versions (string.GetHashCode would).
        Assert.Equal(4405798114169183458L, RandomStreams.SeedFor(0, "decoder"));
        Assert.Equal(3510464261018351324L, RandomStreams.SeedFor(3, "prompts.adaptors"));
        Assert.NotEqual(RandomStreams.SeedFor(0, "decoder"), RandomStreams.SeedFor(1, "decoder"));
        Assert.NotEqual(RandomStreams.SeedFor(0, "decoder"), RandomStreams.SeedFor(0, "prompts.adaptors"));
        Assert.All(new[] { 0L, 1, -5, long.MaxValue }, s => Assert.True(RandomStreams.SeedFor(s, "decoder") >= 0));
    }
}
