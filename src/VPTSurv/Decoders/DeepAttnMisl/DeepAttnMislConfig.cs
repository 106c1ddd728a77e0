namespace VPTSurv.Decoders;

/// <summary>
/// Sizes of <see cref="DeepAttnMisl"/>. Source: DeepAttnMISL (Yao et al., Medical Image Analysis 2020),
/// uta-smile/DeepAttnMISL <c>DeepAttnMISL_model.py</c> and <c>main.py</c>: 4096-wide features, a shared 1×1
/// convolution to 64 + ReLU + average pooling per phenotype cluster, attention 64 -> 32 -> 1, fc6 64 -> 32 -> output
/// with dropout 0.5, 10 clusters. The original's single Cox output is replaced by K discrete-time logits.
/// </summary>
/// <param name="InputDim">Tile feature width D.</param>
/// <param name="EmbeddingDim">Width of the shared per-cluster network (64).</param>
/// <param name="AttentionDim">Hidden width of the attention and of fc6 (32).</param>
/// <param name="Clusters">Number of phenotype clusters (10).</param>
/// <param name="Dropout">Dropout in fc6 (0.5).</param>
/// <param name="Seed">Seed of the k-means++ draws.</param>
/// <param name="Bins">Number of time bins K.</param>
public sealed record DeepAttnMislConfig(int InputDim = 4096, int EmbeddingDim = 64, int AttentionDim = 32, int Clusters = 10,
    double Dropout = 0.5, int Seed = 0, int Bins = 4)
{
    /// <summary>The original sizes on 4096-wide VGG features: 266,533 parameters at K = 4.</summary>
    public static DeepAttnMislConfig Original => new();

    /// <summary>The original sizes on <paramref name="inputDim"/>-wide features (the paper preset's SAM ViT-B: 768): 53,541 parameters at K = 4.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static DeepAttnMislConfig Paper(int inputDim) => new(InputDim: inputDim);

    /// <summary>The original sizes for the Cpu preset, on <paramref name="inputDim"/>-wide features (the Cpu preset's encoder: 96).</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static DeepAttnMislConfig Cpu(int inputDim) => new(InputDim: inputDim);

    /// <summary>Tiny model for tests and CI, on <paramref name="inputDim"/>-wide features.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static DeepAttnMislConfig Smoke(int inputDim) => new(InputDim: inputDim, EmbeddingDim: 16, AttentionDim: 8, Clusters: 6, Dropout: 0);
}
