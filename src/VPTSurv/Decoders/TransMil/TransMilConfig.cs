namespace VPTSurv.Decoders;

/// <summary>
/// Sizes of <see cref="TransMil"/>. Source: TransMIL (Shao et al., NeurIPS 2021), szc19990412/TransMIL
/// <c>models/TransMIL.py</c>: fc 1024 -> 512 + ReLU, two <c>TransLayer</c>s with lucidrains' <c>NystromAttention</c>
/// (dim_head = dim/8, 8 heads, num_landmarks = dim/2, pinv_iterations = 6, residual depthwise conv of kernel 33,
/// dropout 0.1), PPEG with depthwise 7/5/3 convolutions between them, LayerNorm, linear head.
/// </summary>
/// <param name="InputDim">Tile feature width D.</param>
/// <param name="Dim">Token width after the projection (512).</param>
/// <param name="Heads">Attention heads (8); the head width is <see cref="Dim"/> / <see cref="Heads"/>.</param>
/// <param name="Landmarks">Nyström landmarks m (Dim / 2 = 256).</param>
/// <param name="PinvIterations">Iterations of the Moore–Penrose pseudo-inverse approximation (6).</param>
/// <param name="ResidualKernel">Sequence length of the depthwise residual convolution on the values (33).</param>
/// <param name="Dropout">Dropout after the attention's output projection (0.1).</param>
/// <param name="Bins">Number of time bins K.</param>
public sealed record TransMilConfig(int InputDim = 1024, int Dim = 512, int Heads = 8, int Landmarks = 256,
    int PinvIterations = 6, int ResidualKernel = 33, double Dropout = 0.1, int Bins = 4)
{
    /// <summary>The original TransMIL on 1024-wide features: 2,673,172 parameters at K = 4.</summary>
    public static TransMilConfig Default => new();

    /// <summary>The original sizes on <paramref name="inputDim"/>-wide features (the paper preset's SAM ViT-B: 768): 2,542,100 parameters at K = 4.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static TransMilConfig Paper(int inputDim) => new(InputDim: inputDim);

    /// <summary>Quarter-width model for the Cpu preset, on <paramref name="inputDim"/>-wide features (the Cpu preset's encoder: 96).</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static TransMilConfig Cpu(int inputDim) => new(InputDim: inputDim, Dim: 128, Heads: 4, Landmarks: 64);

    /// <summary>Tiny model for tests and CI, on <paramref name="inputDim"/>-wide features.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static TransMilConfig Smoke(int inputDim) => new(InputDim: inputDim, Dim: 32, Heads: 4, Landmarks: 16, ResidualKernel: 9, Dropout: 0);
}
