using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// Deterministic k-means of one bag's tile features, for DeepAttnMISL's phenotype clusters (the original clusters each
/// patient's features with k-means offline). Seeding is k-means++ (Arthur and Vassilvitskii, 2007) from a fixed seed:
/// the first centre is the tile nearest the bag mean, later centres are drawn with probability ∝ D² from a
/// <see cref="Random"/> of the given seed, over the tiles sorted by D² (so that the result does not depend on the
/// order of the tiles). Then Lloyd iterations in float64 until no assignment changes.
/// </summary>
public static class KMeans
{
    /// <summary>How many fits ran on the calling thread (tests count k-means runs with it).</summary>
    [ThreadStatic] internal static int FitsOnThisThread;

    /// <summary>
    /// Cluster labels (N) int64 in [0, k). Fewer than k clusters are used when the bag has fewer distinct tiles than k;
    /// labels then stay below that number and the other clusters are empty.
    /// </summary>
    /// <param name="features">(N, D) tile features.</param>
    /// <param name="k">Number of clusters.</param>
    /// <param name="seed">Seed of the k-means++ draws.</param>
    /// <param name="maxIterations">Upper bound on Lloyd iterations.</param>
    public static Tensor Fit(Tensor features, int k, int seed = 0, int maxIterations = 100)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");
        if (features.dim() != 2) throw new ArgumentException($"features must be (N, D); got ({string.Join(", ", features.shape)})", nameof(features));
        FitsOnThisThread++;
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var x = features.detach().to(ScalarType.Float64);                                      // (N, D)
        long n = x.shape[0];
        var centres = Seed(x, k, seed);                                                         // (k', D)
        long kk = centres.shape[0];
        var labels = torch.cdist(x, centres).argmin(1);                                         // (N)
        for (int it = 0; it < maxIterations; it++)
        {
            var counts = torch.bincount(labels, minlength: kk).to(ScalarType.Float64);         // (k')
            var sums = torch.zeros(kk, x.shape[1], dtype: ScalarType.Float64).index_add(0, labels, x, 1); // (k', D)
            var nonEmpty = (counts > 0).unsqueeze(1);
            centres = torch.where(nonEmpty, sums / counts.clamp_min(1).unsqueeze(1), centres);  // empty clusters keep their centre
            var next = torch.cdist(x, centres).argmin(1);
            bool done = !next.ne(labels).any().item<bool>();
            labels = next;
            if (done) break;
        }
        return labels.MoveToOuterDisposeScope();
    }

    private static Tensor Seed(Tensor x, int k, int seed)
    {
        var rng = new Random(seed);
        long n = x.shape[0];
        var first = (x - x.mean([0], keepdim: true)).pow(2).sum(1).argmin().item<long>();
        var chosen = new List<Tensor> { x[first] };
        var d2 = (x - x[first]).pow(2).sum(1);                                                  // (N)
        while (chosen.Count < k)
        {
            var (sorted, order) = d2.sort(descending: true, stable: true);
            var w = sorted.cpu().data<double>().ToArray();
            double total = w.Sum();
            if (total <= 0) break;                                                              // fewer distinct tiles than k
            double u = rng.NextDouble() * total, acc = 0;
            long pick = 0;
            for (; pick < w.Length - 1; pick++)
            {
                acc += w[pick];
                if (acc >= u && w[pick] > 0) break;
            }
            var c = x[order[pick].item<long>()];
            chosen.Add(c);
            d2 = torch.minimum(d2, (x - c).pow(2).sum(1));
        }
        return torch.stack(chosen);                                                             // (k', D)
    }
}
