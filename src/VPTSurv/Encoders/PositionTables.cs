using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// Resampling of learned absolute position tables to another patch grid, so a checkpoint trained at one image size
/// (SAM: 1024 px, a 64x64 grid) reads tiles of another (224 px, 14x14). Bicubic, align_corners false. timm-style
/// tables follow timm's resample_abs_pos_embed exactly: antialiased whenever they are resized, growing or shrinking
/// (PyTorch's antialiased bicubic uses a different kernel even when upsampling, so this matters both ways). SAM-style
/// grids keep the project's documented rule: antialiased when shrinking only.
/// </summary>
public static class PositionTables
{
    /// <summary>A grid table (1, G, G, d) (SAM layout) resampled to (1, g, g, d).</summary>
    /// <param name="table">(1, G, G, d).</param>
    /// <param name="grid">The new side g.</param>
    /// <param name="antialias">Antialias; null = only when shrinking (the SAM rule).</param>
    public static Tensor ResizeGrid(Tensor table, long grid, bool? antialias = null)
    {
        using var scope = NewDisposeScope();
        var channelsFirst = table.permute(0, 3, 1, 2); // (1, d, G, G)
        var resized = nn.functional.interpolate(channelsFirst, size: [grid, grid], mode: InterpolationMode.Bicubic,
            align_corners: false, antialias: antialias ?? table.shape[1] > grid);
        return resized.permute(0, 2, 3, 1).contiguous().MoveToOuterDisposeScope(); // (1, g, g, d)
    }

    /// <summary>
    /// A sequence table (1, prefix + G·G, d) (timm layout) resampled to (1, prefix + g·g, d) as timm's
    /// resample_abs_pos_embed does (bicubic, antialiased); the first <paramref name="prefix"/> entries (class /
    /// register tokens) are kept as they are.
    /// </summary>
    public static Tensor ResizeSequence(Tensor table, int prefix, long grid)
    {
        using var scope = NewDisposeScope();
        long d = table.shape[2];
        long old = (long)Math.Round(Math.Sqrt(table.shape[1] - prefix));
        if (old * old != table.shape[1] - prefix)
            throw new ArgumentException($"A position table of length {table.shape[1]} with {prefix} prefix entries is not a square grid.");
        var head = table[.., ..prefix, ..];
        var gridPart = table[.., prefix.., ..].reshape(1, old, old, d); // (1, G, G, d)
        var resized = ResizeGrid(gridPart, grid, antialias: true).reshape(1, grid * grid, d); // (1, g·g, d)
        return cat([head, resized], 1).MoveToOuterDisposeScope(); // (1, prefix + g·g, d)
    }
}
