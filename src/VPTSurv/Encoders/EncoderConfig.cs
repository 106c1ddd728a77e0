namespace VPTSurv.Encoders;

/// <summary>
/// What every ViT encoder shares: the tile it reads, its patch grid, width and depth, and its input normalisation.
/// Concrete configs (<see cref="SamViTConfig"/>, <see cref="TimmViTConfig"/>) add their own structure and build the module.
/// </summary>
public abstract record EncoderConfig
{
    /// <summary>Tile side T in pixels (the encoder's input is (N, 3, T, T)).</summary>
    public required int ImageSize { get; init; }

    /// <summary>ViT patch side P; T must be a multiple of P.</summary>
    public required int PatchSize { get; init; }

    /// <summary>Token width d.</summary>
    public required int Width { get; init; }

    /// <summary>Number of Transformer blocks.</summary>
    public required int Depth { get; init; }

    /// <summary>Attention heads per block; d must be a multiple of it.</summary>
    public required int Heads { get; init; }

    /// <summary>MLP hidden width as a multiple of d.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Whether the qkv projection has a bias.</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>LayerNorm epsilon (SAM and timm ViTs: 1e-6; Hugging Face ViT: 1e-12).</summary>
    public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Input normalisation applied to 0..255 tiles.</summary>
    public required PixelNormalization Normalization { get; init; }

    /// <summary>Patch grid side T / P.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Patch tokens per tile n = (T / P)^2.</summary>
    public int TokensPerTile => GridSize * GridSize;

    /// <summary>MLP hidden width.</summary>
    public int MlpHidden => (int)(Width * MlpRatio);

    /// <summary>Builds the encoder with random weights (see <see cref="Checkpoints.CheckpointLoader"/> to load a checkpoint).</summary>
    public abstract ViTEncoder Build();

    /// <summary>Throws with the offending field unless the shapes fit together.</summary>
    public virtual void Validate()
    {
        if (ImageSize <= 0 || PatchSize <= 0 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"{GetType().Name}: ImageSize ({ImageSize}) must be a positive multiple of PatchSize ({PatchSize}).");
        if (Width <= 0 || Heads <= 0 || Width % Heads != 0)
            throw new ArgumentException($"{GetType().Name}: Width ({Width}) must be a positive multiple of Heads ({Heads}).");
        if (Depth <= 0)
            throw new ArgumentException($"{GetType().Name}: Depth must be positive, got {Depth}.");
        if (!(MlpRatio > 0))
            throw new ArgumentException($"{GetType().Name}: MlpRatio must be positive, got {MlpRatio}.");
        Normalization.Validate();
    }
}
