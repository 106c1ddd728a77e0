using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Decoders.Graph;

/// <summary>
/// Scatter reductions over edges grouped by their target node (the torch_scatter operations that message passing
/// needs), on TorchSharp's <c>index_add</c> and <c>index_put_</c>. TorchSharp 0.107 has no scatter-max
/// (<c>index_reduce</c> is marked not implemented), so <see cref="Max"/> lays the edges out densely per node.
/// </summary>
public static class Scatter
{
    /// <summary>Sums rows of <paramref name="src"/> (E, C) into <paramref name="nodes"/> rows by <paramref name="index"/> (E).</summary>
    public static Tensor Sum(Tensor src, Tensor index, long nodes)
    {
        var shape = src.shape.ToArray();
        shape[0] = nodes;
        return torch.zeros(shape, dtype: src.dtype, device: src.device).index_add(0, index, src, 1);
    }

    /// <summary>
    /// Per-node, per-channel maximum of <paramref name="src"/> (E, C) over the edges with that target
    /// <paramref name="index"/> (E); nodes without edges get 0. Not differentiable (used for stabilisation).
    /// </summary>
    public static Tensor Max(Tensor src, Tensor index, long nodes)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        long e = index.shape[0], c = src.shape[1];
        if (e == 0) return torch.zeros(nodes, c, dtype: src.dtype, device: src.device).MoveToOuterDisposeScope();
        var counts = torch.bincount(index, minlength: nodes);                          // (nodes)
        var first = counts.cumsum(0) - counts;                                         // (nodes) start of each group
        var (sorted, order) = index.sort(stable: true);                                // (E)
        var rank = torch.arange(e, dtype: ScalarType.Int64, device: index.device) - first.index_select(0, sorted); // (E)
        long width = counts.max().item<long>();
        var dense = torch.full(nodes, width, c, double.NegativeInfinity, dtype: src.dtype, device: src.device); // (nodes, deg, C)
        dense.index_put_(src.detach().index_select(0, order), sorted, rank);
        var max = dense.amax([1]);                                                     // (nodes, C)
        return max.masked_fill(counts.eq(0).unsqueeze(1), 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Softmax of <paramref name="src"/> (E, C) over the edges sharing a target <paramref name="index"/> (E), per channel,
    /// stabilised by the per-group maximum. Each group's weights sum to one.
    /// </summary>
    public static Tensor Softmax(Tensor src, Tensor index, long nodes)
    {
        using var scope = NewDisposeScope();
        var max = Max(src, index, nodes);                                              // (nodes, C)
        var e = (src - max.index_select(0, index)).exp();                              // (E, C)
        var denom = Sum(e, index, nodes).index_select(0, index);                       // (E, C)
        return (e / denom).MoveToOuterDisposeScope();
    }
}
