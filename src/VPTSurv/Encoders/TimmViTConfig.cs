namespace VPTSurv.Encoders;

/// <summary>
/// A timm-style ViT (timm's VisionTransformer): class token, optional register tokens, a learned position table
/// with or without entries for the prefix tokens, optional LayerScale and a final norm. UNI, Phikon, CONCH-ViT and
/// DINOv2-style pathology foundation models fit this layout.
/// </summary>
public sealed record TimmViTConfig : EncoderConfig
{
    /// <summary>Whether a class token is prepended.</summary>
    public bool ClassToken { get; init; } = true;

    /// <summary>Number of register tokens prepended after the class token.</summary>
    public int RegisterTokens { get; init; }

    /// <summary>
    /// When true the position table covers only the patch tokens (timm's no_embed_class, DINOv2 with registers);
    /// otherwise it has one entry per prefix token first.
    /// </summary>
    public bool NoEmbedClass { get; init; }

    /// <summary>LayerScale initial value, or null when the blocks have no LayerScale.</summary>
    public double? LayerScaleInit { get; init; }

    /// <summary>Whether a final LayerNorm follows the blocks.</summary>
    public bool FinalNorm { get; init; } = true;

    /// <summary>Prefix tokens (class + registers) before the patch tokens.</summary>
    public int PrefixTokens => (ClassToken ? 1 : 0) + RegisterTokens;

    /// <summary>Length of the position table.</summary>
    public int PositionLength => TokensPerTile + (NoEmbedClass ? 0 : PrefixTokens);

    /// <summary>ViT-B/16 (UNI is ViT-L/16 with LayerScale: use <c>with</c> to set Width 1024, Depth 24, Heads 16, LayerScaleInit).</summary>
    public static TimmViTConfig VitB16(int imageSize = 224) => new()
    {
        ImageSize = imageSize, PatchSize = 16, Width = 768, Depth = 12, Heads = 12, Normalization = PixelNormalization.ImageNet,
    };

    /// <inheritdoc />
    public override ViTEncoder Build() => new TimmViT(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (RegisterTokens < 0)
            throw new ArgumentException($"TimmViTConfig: RegisterTokens must be >= 0, got {RegisterTokens}.");
    }
}
