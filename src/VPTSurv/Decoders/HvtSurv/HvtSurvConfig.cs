namespace VPTSurv.Decoders;

/// <summary>
/// Sizes of <see cref="HvtSurv"/>. Source: HVTSurv (Shao et al., AAAI 2023), szc19990412/HVTSurv
/// <c>models/HVTSurv.py</c> and <c>*/HVTSurv.yaml</c>: fc 1024 -> 512 + ReLU, 8 heads, window size 49, dropout 0.1,
/// MLP hidden 512, attention pooling 512 -> 256 -> 1, 4 bins; tile grid of 256 px (<c>knn_position.py</c>).
/// </summary>
/// <param name="InputDim">Tile feature width D.</param>
/// <param name="Dim">Token width (512).</param>
/// <param name="Heads">Attention heads (8).</param>
/// <param name="WindowSize">Tiles per window W (49).</param>
/// <param name="PoolDim">Hidden width of the patient-level attention pooling (256).</param>
/// <param name="Dropout">Dropout of the attentions, the local layer and the MLP (0.1).</param>
/// <param name="TileSize">Pixels per tile step in <see cref="Bag.Coordinates"/>: coordinates are divided by it (and floored) to get grid
/// positions (256). With the training engine's positions (pixels at the target MPP) it is the preset's tile size.</param>
/// <param name="Bins">Number of time bins K.</param>
public sealed record HvtSurvConfig(int InputDim = 1024, int Dim = 512, int Heads = 8, int WindowSize = 49, int PoolDim = 256,
    double Dropout = 0.1, float TileSize = 256, int Bins = 4)
{
    /// <summary>The original HVTSurv on 1024-wide features: 3,289,213 parameters at K = 4.</summary>
    public static HvtSurvConfig Default => new();

    /// <summary>The original sizes on <paramref name="inputDim"/>-wide features (the paper preset's SAM ViT-B: 768) and 224-px tiles: 3,158,141 parameters at K = 4.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static HvtSurvConfig Paper(int inputDim) => new(InputDim: inputDim, TileSize: 224);

    /// <summary>Quarter-width model for the Cpu preset, on <paramref name="inputDim"/>-wide features (the Cpu preset's encoder: 96).</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static HvtSurvConfig Cpu(int inputDim) => new(InputDim: inputDim, Dim: 128, Heads: 4, PoolDim: 64, TileSize: 224);

    /// <summary>Tiny model for tests and CI (windows of 9 tiles), on <paramref name="inputDim"/>-wide features.</summary>
    /// <param name="inputDim">Tile feature width D: the encoder's width.</param>
    public static HvtSurvConfig Smoke(int inputDim) => new(InputDim: inputDim, Dim: 16, Heads: 4, WindowSize: 9, PoolDim: 8, Dropout: 0);
}
