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
/// slides are clustered together. Parameter counts: see <see cref="DeepAttnMislConfig"/>.
/// </summary>
public sealed class DeepAttnMisl : AttentionBagDecoder
{
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
        fc6 = nn.Sequential(nn.Linear(config.EmbeddingDim, config.AttentionDim), nn.ReLU(), nn.Dropout(config.Dropout),
            nn.Linear(config.AttentionDim, config.Bins));
        RegisterComponents();
    }

    /// <summary>The phenotype cluster of each tile (N) int64, as used by forward.</summary>
    public Tensor Clusters(Bag bag) => KMeans.Fit(bag.Features, Config.Clusters, Config.Seed);

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
