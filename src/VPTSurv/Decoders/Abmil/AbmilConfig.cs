namespace VPTSurv.Decoders;

/// <summary>
/// Sizes of <see cref="Abmil"/>: tile features D -> <see cref="HiddenDim"/> (fc + ReLU) -> gated attention with
/// <see cref="AttentionDim"/> -> rho (<see cref="HiddenDim"/> -> <see cref="AttentionDim"/>) -> K logits.
/// Source: MCAT's <c>MIL_Attention_FC_surv</c> (mahmoodlab/MCAT, <c>models/model_set_mil.py</c>), size
/// "small" = [1024, 512, 256], "big" = [1024, 512, 384], dropout 0.25, 4 bins.
/// </summary>
/// <param name="InputDim">Tile feature width D.</param>
/// <param name="HiddenDim">Width after the first fully connected layer (MCAT: 512).</param>
/// <param name="AttentionDim">Hidden width of the gated attention and output width of rho (small 256, big 384).</param>
/// <param name="Dropout">Dropout after fc, in the attention branches and after rho (MCAT: 0.25).</param>
/// <param name="Bins">Number of time bins K.</param>
public sealed record AbmilConfig(int InputDim = 1024, int HiddenDim = 512, int AttentionDim = 256, double Dropout = 0.25, int Bins = 4)
{
    /// <summary>MCAT "small" on 1024-wide ResNet-50 features: 920,069 parameters at K = 4.</summary>
    public static AbmilConfig Mcat => new();

    /// <summary>MCAT "big" (attention width 384): 1,117,701 parameters at K = 4.</summary>
    public static AbmilConfig McatBig => new(AttentionDim: 384);

    /// <summary>MCAT "small" on <paramref name="inputDim"/>-wide features (the paper preset's SAM ViT-B: 768): 788,997 parameters at K = 4.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static AbmilConfig Paper(int inputDim) => new(InputDim: inputDim);

    /// <summary>Half-width model for the Cpu preset, on <paramref name="inputDim"/>-wide features (the Cpu preset's encoder: 96).</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static AbmilConfig Cpu(int inputDim) => new(InputDim: inputDim, HiddenDim: 256, AttentionDim: 128);

    /// <summary>Tiny model for tests and CI, on <paramref name="inputDim"/>-wide features.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static AbmilConfig Smoke(int inputDim) => new(InputDim: inputDim, HiddenDim: 32, AttentionDim: 16, Dropout: 0);
}
