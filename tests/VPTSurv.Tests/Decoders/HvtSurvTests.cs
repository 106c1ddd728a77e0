using TorchSharp;
using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

public class HvtSurvTests
{
    private static (double X, double Y)[] RandomGrid(int n, int seed)
    {
        var xy = DecoderTestData.GridCoordinates(n, seed).data<float>().ToArray();
        return Enumerable.Range(0, n).Select(i => (xy[2 * i] / 256.0, xy[2 * i + 1] / 256.0)).ToArray();
    }

    [Fact]
    public void Windows_partition_the_tiles_into_nearest_neighbour_groups()
    {
        const int w = 9;
        var grid = RandomGrid(w * 12, 1);
        var order = KnnWindowPartition.Build(grid, w);
        Assert.Equal(grid.Length, order.Length);
        Assert.Equal(Enumerable.Range(0, grid.Length).Select(i => (long)i), order.Order());   // each tile exactly once
        // each window = its first tile plus the w-1 tiles nearest to it among those not in earlier windows
        var remaining = Enumerable.Range(0, grid.Length).Select(i => (long)i).ToHashSet();
        double D(long a, long b) => Math.Pow(grid[a].X - grid[b].X, 2) + Math.Pow(grid[a].Y - grid[b].Y, 2);
        for (int win = 0; win < order.Length / w; win++)
        {
            var members = order.Skip(win * w).Take(w).ToArray();
            long seed = members[0];
            Assert.Equal(remaining.Min(), seed);                                  // the first remaining tile
            double farthest = members.Max(m => D(seed, m));
            foreach (var other in remaining.Except(members)) Assert.True(D(seed, other) >= farthest);
            remaining.ExceptWith(members);
        }
        Assert.Empty(remaining);
    }

    [Fact]
    public void Windows_of_a_ragged_bag_cover_every_tile_with_reflected_padding()
    {
        var grid = RandomGrid(23, 2);
        var order = KnnWindowPartition.Build(grid, 9);
        Assert.Equal(27, order.Length);
        Assert.Equal(Enumerable.Range(0, 23).Select(i => (long)i), order.Distinct().Order());
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0 }, KnnWindowPartition.Build([(3.0, 4.0)], 9));
    }

    [Fact]
    public void Reflect_padding_matches_numpy_reflect()
    {
        // numpy docs: np.pad([1, 2, 3, 4, 5], (2, 3), 'reflect') == [3, 2, 1, 2, 3, 4, 5, 4, 3, 2]
        var got = Enumerable.Range(-2, 10).Select(j => KnnWindowPartition.Reflect(j, 5) + 1).ToArray();
        Assert.Equal(new[] { 3, 2, 1, 2, 3, 4, 5, 4, 3, 2 }, got);
    }

    [Fact]
    public void Distance_buckets_follow_the_piecewise_index()
    {
        using var scope = NewDisposeScope();
        // hand values with α = 1.9, β = 7.6, γ = 11.4, shift 7: |Δ| ≤ 3.8 -> 0/1; else round(ln(|Δ|/1.9)/ln 6 · 3.8) capped at 7
        var delta = torch.tensor(new long[] { 0, 1, -3, 4, -10, 20, 1000 });
        Assert.Equal(new long[] { 0, 1, 1, 2, 4, 5, 7 }, DistanceBucket.Axis(delta, 7).data<long>().ToArray());
        var grid = torch.tensor(new long[,] { { 0, 0 }, { 1, 4 }, { 0, 10 } });
        var idx = DistanceBucket.Pairwise(grid, 7);
        Assert.Equal(new long[] { 0, 3, 4, 3, 0, 3, 4, 3, 0 }, idx.flatten().data<long>().ToArray());
    }

    [Fact]
    public void Window_and_pooling_attention_sum_to_one()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        var model = new HvtSurv(HvtSurvConfig.Smoke(16));
        model.eval();
        var bag = DecoderTestData.RandomBag(40, 16);
        var r = model.ForwardWithAttention(bag);
        Assert.Equal(45, r.Weights.shape[0]);                                     // 40 tiles in 5 windows of 9
        Assert.Equal(1.0, r.Weights.sum().item<float>(), 5);
        var attn = new WindowAttention(16, 4, 9, 0);
        var w = attn.Weights(torch.randn(27, 16), torch.randint(0, 20, [27, 2]).to(ScalarType.Float32));
        Assert.Equal(new long[] { 3, 4, 9, 9 }, w.shape);
        Assert.True(torch.allclose(w.sum(-1), torch.ones(3, 4, 9), atol: 1e-5));
    }

    [Fact]
    public void Several_slides_are_windowed_separately_and_pooled_together()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(12);
        var model = new HvtSurv(HvtSurvConfig.Smoke(16));
        var slides = torch.cat([torch.zeros(20, dtype: ScalarType.Int64), torch.ones(7, dtype: ScalarType.Int64)]);
        var bag = DecoderTestData.RandomBag(27, 16, slideIndex: slides);
        var windows = model.Windows(bag);
        Assert.Equal(2, windows.Count);
        Assert.All(windows[0], i => Assert.InRange(i, 0, 19));
        Assert.All(windows[1], i => Assert.InRange(i, 20, 26));
        Assert.Equal(27, windows[0].Length);                                        // 20 tiles -> 3 windows of 9
        Assert.Equal(9, windows[1].Length);
        model.eval();
        Assert.Equal(36, model.ForwardWithAttention(bag).Weights.shape[0]);
    }
}
