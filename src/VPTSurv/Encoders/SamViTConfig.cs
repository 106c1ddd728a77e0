namespace VPTSurv.Encoders;

/// <summary>
/// A SAM-style ViT image encoder (segment_anything's ImageEncoderViT): windowed attention with a few global blocks,
/// decomposed relative position, an absolute position table on the patch grid, and an optional neck.
/// </summary>
public sealed record SamViTConfig : EncoderConfig
{
    /// <summary>Window side of the windowed blocks (SAM: 14); the grid is zero-padded to a multiple of it.</summary>
    public int WindowSize { get; init; } = 14;

    /// <summary>Blocks that attend globally over the whole grid (SAM ViT-B: 2, 5, 8, 11).</summary>
    public IReadOnlyList<int> GlobalBlocks { get; init; } = [2, 5, 8, 11];

    /// <summary>Whether attention adds decomposed relative position (SAM: true).</summary>
    public bool UseRelativePosition { get; init; } = true;

    /// <summary>Output channels of the neck, or 0 for no neck (survival pooling uses the block tokens, not the neck).</summary>
    public int NeckChannels { get; init; }

    /// <summary>
    /// SAM ViT-B as released (d 768, 12 blocks, 12 heads, patch 16, window 14, global 2/5/8/11) reading tiles of
    /// side <paramref name="imageSize"/>; its 64x64 position table and 127-long relative tables are resized on load.
    /// </summary>
    public static SamViTConfig VitB(int imageSize = 224) => new()
    {
        ImageSize = imageSize, PatchSize = 16, Width = 768, Depth = 12, Heads = 12,
        WindowSize = 14, GlobalBlocks = [2, 5, 8, 11], Normalization = PixelNormalization.Sam,
    };

    /// <inheritdoc />
    public override ViTEncoder Build() => new SamViT(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (WindowSize < 0)
            throw new ArgumentException($"SamViTConfig: WindowSize must be >= 0 (0 = all global), got {WindowSize}.");
        foreach (var g in GlobalBlocks)
            if (g < 0 || g >= Depth)
                throw new ArgumentException($"SamViTConfig: global block index {g} is outside 0..{Depth - 1}.");
        if (NeckChannels < 0)
            throw new ArgumentException($"SamViTConfig: NeckChannels must be >= 0, got {NeckChannels}.");
    }

    /// <summary>Window side used by block <paramref name="index"/>: 0 means global attention.</summary>
    public int WindowOf(int index) => GlobalBlocks.Contains(index) ? 0 : WindowSize;

    /// <inheritdoc />
    public bool Equals(SamViTConfig? other) =>
        other is not null && base.Equals(other) && WindowSize == other.WindowSize && GlobalBlocks.SequenceEqual(other.GlobalBlocks)
        && UseRelativePosition == other.UseRelativePosition && NeckChannels == other.NeckChannels;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), WindowSize, GlobalBlocks.Count, NeckChannels);
}
