namespace VPTSurv.Decoders;

/// <summary>
/// Sizes of <see cref="PatchGcn"/>. Source: Patch-GCN (Chen et al., MICCAI 2021), mahmoodlab/Patch-GCN
/// <c>models/model_graph_mil.py</c> <c>PatchGCN_Surv</c>: fc 1024 -> 128, num_layers = 4 (the fc output plus 3 GENConv
/// layers, concatenated to 4 × 128 = 512), 8 spatial neighbours, dropout 0.25, 4 bins.
/// </summary>
/// <param name="InputDim">Tile feature width D.</param>
/// <param name="HiddenDim">Node width (128).</param>
/// <param name="NumLayers">The original's <c>num_layers</c>: the concatenation has this many blocks, and there are NumLayers − 1 graph layers (4).</param>
/// <param name="Neighbours">k of the spatial k-nn graph (8).</param>
/// <param name="Dropout">Dropout after fc, in the attention head and rho (0.25).</param>
/// <param name="LayerDropout">Dropout of the residual graph layers (0.1).</param>
/// <param name="Bins">Number of time bins K.</param>
public sealed record PatchGcnConfig(int InputDim = 1024, int HiddenDim = 128, int NumLayers = 4, int Neighbours = 8,
    double Dropout = 0.25, double LayerDropout = 0.1, int Bins = 4)
{
    /// <summary>The original Patch-GCN on 1024-wide features: 1,384,456 parameters at K = 4.</summary>
    public static PatchGcnConfig Default => new();

    /// <summary>The original sizes on <paramref name="inputDim"/>-wide features (the paper preset's SAM ViT-B: 768): 1,351,688 parameters at K = 4.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static PatchGcnConfig Paper(int inputDim) => new(InputDim: inputDim);

    /// <summary>Half-width model for the Cpu preset, on <paramref name="inputDim"/>-wide features (the Cpu preset's encoder: 96).</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static PatchGcnConfig Cpu(int inputDim) => new(InputDim: inputDim, HiddenDim: 64);

    /// <summary>Tiny model for tests and CI, on <paramref name="inputDim"/>-wide features.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static PatchGcnConfig Smoke(int inputDim) => new(InputDim: inputDim, HiddenDim: 16, Dropout: 0, LayerDropout: 0);
}
