using VPTSurv.Runtime;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Decoders.Graph;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// DeepAttnMISL (Yao et al., MedIA 2020; uta-smile/DeepAttnMISL <c>DeepAttnMIL_Surv</c>): the bag's tiles are grouped
/// into phenotype clusters by k-means on their features (<see cref="KMeans"/>, deterministic); one shared (Siamese)
/// network — a 1×1 convolution + ReLU — embeds every tile and is averaged per cluster; attention weights over the
/// clusters come from a masked softmax (empty clusters get weight 0); the weighted cluster embedding goes through fc6.
/// All steps are symmetric in the tiles, so the output does not depend on tile order. Tiles of all of a patient's
/// slides are clustered together. The clusters of a features tensor are computed once and kept with it (see
/// <see cref="Clusters"/>): a two-stage run passes each slide's same feature tensor every epoch, so k-means runs once
/// per slide, not on every forward. Parameter counts: see <see cref="DeepAttnMislConfig"/>.
/// </summary>
public sealed class DeepAttnMisl : AttentionBagDecoder
{
    // Labels per features tensor, held weakly by the tensor object (an entry goes when its features go), per
    // (clusters, seed). A fingerprint of the values (shape, Σx, Σx²) guards against features changed in place. The
    // labels are a managed array, so no native tensor outlives the scope that made it.
    private static readonly ConditionalWeakTable<Tensor, ConcurrentDictionary<(int Clusters, int Seed), (double[] Fingerprint, long[] Labels)>> ClusterCache = new();

    private readonly Sequential embedding_net;
    private readonly Sequential attention;
    private readonly Sequential fc6;

    /// <summary>The sizes this model was built with.</summary>
    public DeepAttnMislConfig Config { get; }

    /// <inheritdoc/>
    public override int InputDim => Config.InputDim;

    /// <inheritdoc/>
    public override int Bins => Config.Bins;

    /// <summary>Builds the model from <paramref name="config"/>.</summary>
    public DeepAttnMisl(DeepAttnMislConfig config) : base(nameof(DeepAttnMisl))
    {
        Config = config;
        // The original's AdaptiveAvgPool2d (index 2, no weights) is the per-cluster mean below.
        embedding_net = nn.Sequential(nn.Conv2d(config.InputDim, config.EmbeddingDim, 1), nn.ReLU());
        attention = nn.Sequential(nn.Linear(config.EmbeddingDim, config.AttentionDim), nn.Tanh(), nn.Linear(config.AttentionDim, 1));
        fc6 = nn.Sequential(nn.Linear(config.EmbeddingDim, config.AttentionDim), nn.ReLU(), new StreamDropout(config.Dropout),
            nn.Linear(config.AttentionDim, config.Bins));
        RegisterComponents();
    }

    /// <summary>
    /// The phenotype cluster of each tile (N) int64, as used by forward: <see cref="KMeans"/> of the bag's features,
    /// computed on the first call for a features tensor and reused while the tensor holds the same values.
    /// </summary>
    public Tensor Clusters(Bag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        var features = bag.Features;
        double[] fingerprint;
        using (no_grad())
        using (var x = features.detach().to(ScalarType.Float64))
        using (var sum = x.sum())
        using (var squares = x.square().sum())
            fingerprint = [.. features.shape.Select(s => (double)s), sum.item<double>(), squares.item<double>()];
        var perTensor = ClusterCache.GetValue(features, _ => new());
        var key = (Config.Clusters, Config.Seed);
        if (!perTensor.TryGetValue(key, out var cached) || !cached.Fingerprint.AsSpan().SequenceEqual(fingerprint))
        {
            using var fitted = KMeans.Fit(features, Config.Clusters, Config.Seed);
            using var onCpu = fitted.cpu();
            cached = (fingerprint, onCpu.data<long>().ToArray());
            perTensor[key] = cached;
        }
        return torch.tensor(cached.Labels, device: features.device);
    }

    /// <summary>Logits (K) and the attention weights over the clusters (C); empty clusters get 0 and the weights sum to one.</summary>
    public override AttentionPooled ForwardWithAttention(Bag bag)
    {
        BagChecks.Validate(bag, this);
        using var scope = NewDisposeScope();
        long n = bag.Count, c = Config.Clusters;
        var labels = Clusters(bag);                                                            // (N)
        var x = bag.Features.transpose(0, 1).reshape(1, Config.InputDim, n, 1);                // (1, D, N, 1)
        var e = embedding_net.forward(x).reshape(Config.EmbeddingDim, n).transpose(0, 1);     // (N, E)
        var counts = torch.bincount(labels, minlength: c).to(e.dtype);                         // (C)
        var h = Scatter.Sum(e, labels, c) / counts.clamp_min(1).unsqueeze(1);                  // (C, E) cluster means, 0 if empty
        var scores = attention.forward(h).squeeze(1);                                          // (C)
        var a = scores.masked_fill(counts.eq(0), double.NegativeInfinity).softmax(0);         // (C) masked softmax
        var m = a.unsqueeze(0).mm(h);                                                           // (1, E)
        var logits = fc6.forward(m).squeeze(0);                                                 // (K)
        return new AttentionPooled(logits.MoveToOuterDisposeScope(), a.MoveToOuterDisposeScope());
    }
}
