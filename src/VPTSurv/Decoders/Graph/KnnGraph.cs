using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Decoders.Graph;

/// <summary>
/// The spatial k-nearest-neighbour graph of Patch-GCN (mahmoodlab/Patch-GCN, "WSI-Graph Construction.ipynb":
/// each tile is joined to its 8 nearest other tiles by Euclidean distance of the coordinates). Patch-GCN queries an
/// approximate HNSW index; here the neighbours are exact. Edges follow PyG's <c>edge_index</c> layout and
/// Patch-GCN's direction: row 0 = the tile (message source), row 1 = its neighbour (where the message is aggregated).
/// </summary>
public static class KnnGraph
{
    /// <summary>Rows of the distance matrix computed at once; bounds memory at 10⁴–10⁵ tiles.</summary>
    private const long Block = 1024;

    /// <summary>
    /// Builds the graph. Each tile gets exactly min(k, n − 1) out-edges, n being the number of tiles of its slide; tiles
    /// of different slides (by <paramref name="slideIndex"/>) are never joined. No self loops.
    /// </summary>
    /// <param name="coordinates">(N, 2) tile positions.</param>
    /// <param name="k">Neighbours per tile (Patch-GCN: 8).</param>
    /// <param name="slideIndex">Optional (N) int64 slide of each tile.</param>
    /// <returns>edge_index (2, E) int64.</returns>
    public static Tensor Build(Tensor coordinates, int k, Tensor? slideIndex = null)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");
        if (coordinates.dim() != 2 || coordinates.shape[1] != 2)
            throw new ArgumentException($"coordinates must be (N, 2); got ({string.Join(", ", coordinates.shape)})", nameof(coordinates));
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var coords = coordinates.to(ScalarType.Float64);
        if (slideIndex is null)
            return SingleSlide(coords, k).MoveToOuterDisposeScope();
        var parts = new List<Tensor>();
        foreach (var s in torch.unique(slideIndex).output.cpu().data<long>().ToArray())
        {
            var members = (slideIndex == s).nonzero().squeeze(1);                     // (n_s)
            var local = SingleSlide(coords.index_select(0, members), k);              // (2, E_s) local ids
            parts.Add(members[local.flatten()].reshape(2, -1));                       // (2, E_s) bag ids
        }
        return torch.cat(parts, 1).MoveToOuterDisposeScope();
    }

    private static Tensor SingleSlide(Tensor coords, int k)
    {
        long n = coords.shape[0];
        long kk = Math.Min(k, n - 1);
        if (kk == 0) return torch.zeros(2, 0, dtype: ScalarType.Int64);
        var neighbours = new List<Tensor>();
        for (long start = 0; start < n; start += Block)
        {
            long stop = Math.Min(n, start + Block);
            var d = torch.cdist(coords[TensorIndex.Slice(start, stop)], coords);                         // (b, N)
            var rows = torch.arange(stop - start, dtype: ScalarType.Int64);
            d[rows, rows + start] = double.PositiveInfinity;                          // no self loops
            neighbours.Add(d.topk((int)kk, dim: 1, largest: false, sorted: true).indexes); // (b, k)
        }
        var target = torch.cat(neighbours, 0).flatten();                             // (N k)
        var source = torch.arange(n, dtype: ScalarType.Int64).repeat_interleave(kk);  // (N k)
        return torch.stack([source, target]);                                        // (2, N k)
    }
}
