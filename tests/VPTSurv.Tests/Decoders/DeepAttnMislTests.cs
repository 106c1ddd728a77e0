using TorchSharp;
using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

public class DeepAttnMislTests
{
    private static Tensor Blobs(int perBlob, int blobs, int dim, int seed, out long[] truth)
    {
        var g = new Generator((ulong)seed);
        var centres = torch.randn(blobs, dim, generator: g) * 10;
        var x = torch.cat(Enumerable.Range(0, blobs).Select(b => centres[b] + torch.randn(perBlob, dim, generator: g) * 0.3).ToArray());
        truth = Enumerable.Range(0, blobs).SelectMany(b => Enumerable.Repeat((long)b, perBlob)).ToArray();
        return x;
    }

    [Fact]
    public void KMeans_recovers_well_separated_blobs_and_is_deterministic()
    {
        using var scope = NewDisposeScope();
        var x = Blobs(30, 5, 8, seed: 1, out var truth);
        var labels = KMeans.Fit(x, 5, seed: 0).data<long>().ToArray();
        // same partition as the truth, up to renaming: each true blob maps to exactly one label and vice versa
        var pairs = truth.Zip(labels).Distinct().ToArray();
        Assert.Equal(5, pairs.Length);
        Assert.Equal(5, pairs.Select(p => p.Second).Distinct().Count());
        Assert.Equal(labels, KMeans.Fit(x, 5, seed: 0).data<long>().ToArray());
    }

    [Fact]
    public void KMeans_uses_fewer_clusters_when_the_bag_has_fewer_distinct_tiles()
    {
        using var scope = NewDisposeScope();
        var x = torch.tensor(new float[] { 0, 0, 1, 1, 0, 0 }).reshape(3, 2);        // two distinct tiles
        var labels = KMeans.Fit(x, 4).data<long>().ToArray();
        Assert.Equal(labels[0], labels[2]);
        Assert.NotEqual(labels[0], labels[1]);
        Assert.All(labels, l => Assert.InRange(l, 0, 1));
    }

    [Fact]
    public void Output_and_clusters_do_not_depend_on_tile_order()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        var model = new DeepAttnMisl(DeepAttnMislConfig.Smoke(16));
        model.eval();
        var bag = DecoderTestData.RandomBag(80, 16, seed: 2);
        var perm = torch.randperm(80, generator: new Generator(3));
        var shuffled = new Bag(bag.Features.index_select(0, perm));
        Assert.True(torch.allclose(model.forward(bag), model.forward(shuffled), rtol: 1e-5, atol: 1e-6));
        // tile perm[i] of the original is tile i of the shuffled bag: same partition into clusters
        var a = model.Clusters(bag).index_select(0, perm).data<long>().ToArray();
        var b = model.Clusters(shuffled).data<long>().ToArray();
        Assert.Equal(a.Distinct().Count(), a.Zip(b).Distinct().Count());
    }

    [Fact]
    public void Attention_over_clusters_sums_to_one_and_ignores_empty_clusters()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        var model = new DeepAttnMisl(DeepAttnMislConfig.Smoke(16));             // 6 clusters
        model.eval();
        var r = model.ForwardWithAttention(DecoderTestData.RandomBag(3, 16)); // 3 tiles: at most 3 non-empty clusters
        Assert.Equal(new long[] { 6 }, r.Weights.shape);
        Assert.Equal(1.0, r.Weights.sum().item<float>(), 5);
        Assert.Equal(3, (r.Weights > 0).sum().item<long>());
        var big = model.ForwardWithAttention(DecoderTestData.RandomBag(100, 16));
        Assert.Equal(1.0, big.Weights.sum().item<float>(), 5);
        Assert.Equal(6, (big.Weights > 0).sum().item<long>());
    }

    [Fact]
    public void Clusters_are_computed_once_per_features_tensor_and_again_when_its_values_change()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        var model = new DeepAttnMisl(DeepAttnMislConfig.Smoke(16));
        model.eval();
        var features = DecoderTestData.RandomBag(60, 16, seed: 4).Features;
        var expected = KMeans.Fit(features, 6, 0).data<long>().ToArray();

        int before = KMeans.FitsOnThisThread;
        var first = model.forward(new Bag(features));
        var second = model.forward(new Bag(features));                    // a new bag over the same tensor, as each epoch makes
        Assert.Equal(before + 1, KMeans.FitsOnThisThread);
        Assert.Equal(first.data<float>().ToArray(), second.data<float>().ToArray());
        Assert.Equal(expected, model.Clusters(new Bag(features)).data<long>().ToArray());
        Assert.Equal(before + 1, KMeans.FitsOnThisThread);

        features[0].add_(5.0f);                                           // changed in place: the cached labels no longer hold
        var changed = model.Clusters(new Bag(features)).data<long>().ToArray();
        Assert.Equal(before + 2, KMeans.FitsOnThisThread);
        Assert.Equal(KMeans.Fit(features, 6, 0).data<long>().ToArray(), changed);

        using var other = new DeepAttnMisl(DeepAttnMislConfig.Smoke(16) with { Clusters = 4 });
        other.Clusters(new Bag(features));                                // another cluster count is its own entry
        Assert.Equal(before + 4, KMeans.FitsOnThisThread);               // (+1 for the reference fit just above)
    }
}
