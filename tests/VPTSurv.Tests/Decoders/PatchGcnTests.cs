using TorchSharp;
using VPTSurv.Decoders;
using VPTSurv.Decoders.Graph;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

public class PatchGcnTests
{
    [Fact]
    public void Knn_graph_gives_every_tile_exactly_k_nearest_other_tiles()
    {
        using var scope = NewDisposeScope();
        var xy = torch.rand(300, 2, generator: new Generator(3)) * 10000;
        var edges = KnnGraph.Build(xy, 8);
        Assert.Equal(new long[] { 2, 300 * 8 }, edges.shape);
        var src = edges[0].data<long>().ToArray();
        var dst = edges[1].data<long>().ToArray();
        var p = xy.data<float>().ToArray();
        double D(long a, long b) => Math.Pow(p[2 * a] - p[2 * b], 2) + Math.Pow(p[2 * a + 1] - p[2 * b + 1], 2);
        for (long i = 0; i < 300; i++)
        {
            var mine = Enumerable.Range(0, src.Length).Where(e => src[e] == i).Select(e => dst[e]).ToHashSet();
            Assert.Equal(8, mine.Count);
            Assert.DoesNotContain(i, mine);
            // hand check: no other tile is strictly closer than the farthest chosen neighbour
            double farthest = mine.Max(j => D(i, j));
            for (long j = 0; j < 300; j++)
                if (j != i && !mine.Contains(j)) Assert.True(D(i, j) >= farthest);
        }
    }

    [Fact]
    public void Knn_graph_keeps_slides_apart_and_handles_bags_smaller_than_k()
    {
        using var scope = NewDisposeScope();
        var xy = DecoderTestData.GridCoordinates(20);
        var slide = torch.cat([torch.zeros(15, dtype: ScalarType.Int64), torch.ones(5, dtype: ScalarType.Int64)]);
        var edges = KnnGraph.Build(xy, 8, slide);
        Assert.Equal(15 * 8 + 5 * 4, edges.shape[1]);                              // the 5-tile slide: 4 neighbours each
        Assert.True(slide.index_select(0, edges[0]).equal(slide.index_select(0, edges[1])).all().item<bool>());
        Assert.Equal(0, KnnGraph.Build(DecoderTestData.GridCoordinates(1), 8).shape[1]);
    }

    [Fact]
    public void Scatter_softmax_matches_a_per_node_softmax_and_sums_to_one()
    {
        using var scope = NewDisposeScope();
        var src = torch.randn(9, 3, generator: new Generator(5)) * 5;
        var index = torch.tensor(new long[] { 2, 0, 2, 2, 0, 3, 3, 2, 0 });      // node 1 has no edges
        var w = Scatter.Softmax(src, index, 4);
        foreach (long node in new long[] { 0, 2, 3 })
        {
            var rows = (index == node).nonzero().squeeze(1);
            var expected = src.index_select(0, rows).softmax(0);
            Assert.True(torch.allclose(w.index_select(0, rows), expected, rtol: 1e-5, atol: 1e-7));
        }
        var sums = Scatter.Sum(w, index, 4);
        Assert.True(torch.allclose(sums, torch.tensor(new float[] { 1, 0, 1, 1 }).unsqueeze(1).expand(4, 3), atol: 1e-6));
    }

    [Fact]
    public void GenConv_softmax_aggregation_matches_a_hand_loop()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var conv = new GenConv(4);
        var t = 2.5f;
        using (torch.no_grad()) conv.Temperature.fill_(t);
        var x = torch.randn(5, 4, generator: new Generator(6));
        var edges = torch.tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2, 1, 1, 0, 3 }).reshape(2, 6);
        var got = conv.forward(x, edges);
        // reference in plain arrays: for each target i, m_j = relu(x_j) + 1e-7 over its sources j,
        // w = softmax_j(t m_j) per channel, agg_i = x_i + Σ_j w_j m_j
        long[] src = [0, 1, 2, 3, 4, 0], dst = [1, 2, 1, 1, 0, 3];
        var xs = x.data<float>().ToArray();
        var aggs = new float[20];
        for (int i = 0; i < 5; i++)
            for (int ch = 0; ch < 4; ch++)
            {
                var m = Enumerable.Range(0, 6).Where(e => dst[e] == i).Select(e => Math.Max(0.0, xs[4 * src[e] + ch]) + 1e-7).ToArray();
                double z = m.Sum(v => Math.Exp(t * v));
                aggs[4 * i + ch] = (float)(xs[4 * i + ch] + m.Sum(v => Math.Exp(t * v) / z * v));
            }
        var agg = torch.tensor(aggs).reshape(5, 4);
        var mlp = conv.named_children().Single(c => c.name == "mlp").module as TorchSharp.Modules.Sequential;
        var want = mlp!.forward(agg);
        Assert.True(torch.allclose(got, want, rtol: 1e-5, atol: 1e-6), $"got {string.Join(",", got.data<float>().ToArray())} want {string.Join(",", want.data<float>().ToArray())} agg {string.Join(",", agg.data<float>().ToArray())}");
    }

    [Fact]
    public void Output_changes_when_coordinates_change_and_attention_sums_to_one()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(10);
        var model = new PatchGcn(PatchGcnConfig.Smoke(16));
        model.eval();
        // continuous positions: no distance ties, so the graph is unique
        var bag = new Bag(torch.randn(60, 16, generator: new Generator(2)), torch.rand(60, 2, generator: new Generator(3)) * 5000);
        var r = model.ForwardWithAttention(bag);
        Assert.Equal(1.0, r.Weights.sum().item<float>(), 5);
        var moved = bag with { Coordinates = bag.Coordinates!.index_select(0, torch.randperm(60, generator: new Generator(4))) };
        Assert.False(torch.allclose(r.Logits, model.forward(moved), rtol: 1e-4, atol: 1e-5));
        // a rigid translation keeps the graph, so the output stays
        var shifted = bag with { Coordinates = bag.Coordinates! + 512f };
        Assert.True(torch.allclose(r.Logits, model.forward(shifted), rtol: 1e-5, atol: 1e-6));
    }
}
