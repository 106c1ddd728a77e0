using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// SAM's decomposed relative position (from MViTv2): separate tables for height and width offsets, each of length
/// 2·S − 1 for a query/key side S, added to the attention logits as q·R_h + q·R_w.
/// </summary>
public static class RelativePosition
{
    /// <summary>
    /// Linearly resamples a table (L, c) to (<paramref name="length"/>, c), the way SAM's get_rel_pos does when the
    /// stored table does not fit the attention size.
    /// </summary>
    public static Tensor Resize(Tensor table, long length)
    {
        if (table.shape[0] == length)
            return table.alias();
        using var scope = NewDisposeScope();
        var l = table.shape[0];
        var channelsFirst = table.reshape(1, l, -1).permute(0, 2, 1); // (1, c, L)
        var resized = nn.functional.interpolate(channelsFirst, size: [length], mode: InterpolationMode.Linear, align_corners: false);
        return resized.reshape(-1, length).permute(1, 0).contiguous().MoveToOuterDisposeScope(); // (length, c)
    }

    /// <summary>Relative-position embeddings for every (query, key) pair along one axis: (qSize, kSize, c).</summary>
    public static Tensor Gather(long qSize, long kSize, Tensor table)
    {
        using var scope = NewDisposeScope();
        long maxDistance = 2 * Math.Max(qSize, kSize) - 1;
        var resized = Resize(table, maxDistance);
        // Scale coordinates when query and key sides differ (SAM's rule); equal sides give offsets q - k + (k - 1).
        double qScale = Math.Max((double)kSize / qSize, 1.0), kScale = Math.Max((double)qSize / kSize, 1.0);
        var qCoords = arange(qSize, dtype: ScalarType.Float64).unsqueeze(1) * qScale; // (q, 1)
        var kCoords = arange(kSize, dtype: ScalarType.Float64).unsqueeze(0) * kScale; // (1, k)
        var offsets = (qCoords - kCoords + (kSize - 1) * kScale).to(ScalarType.Int64).to(table.device); // (q, k)
        return resized.index_select(0, offsets.flatten()).view(qSize, kSize, -1).MoveToOuterDisposeScope(); // (q, k, c)
    }

    /// <summary>
    /// The additive attention bias of decomposed relative position. <paramref name="q"/>: (B, qh·qw, c) unscaled
    /// queries; returns (B, qh·qw, kh·kw).
    /// </summary>
    public static Tensor Bias(Tensor q, Tensor tableH, Tensor tableW, (long H, long W) qSize, (long H, long W) kSize)
    {
        using var scope = NewDisposeScope();
        var rh = Gather(qSize.H, kSize.H, tableH); // (qh, kh, c)
        var rw = Gather(qSize.W, kSize.W, tableW); // (qw, kw, c)
        long b = q.shape[0], c = q.shape[2];
        var rq = q.reshape(b, qSize.H, qSize.W, c); // (B, qh, qw, c)
        var relH = einsum("bhwc,hkc->bhwk", rq, rh); // (B, qh, qw, kh)
        var relW = einsum("bhwc,wkc->bhwk", rq, rw); // (B, qh, qw, kw)
        var bias = relH.unsqueeze(-1) + relW.unsqueeze(-2); // (B, qh, qw, kh, kw)
        return bias.reshape(b, qSize.H * qSize.W, kSize.H * kSize.W).MoveToOuterDisposeScope(); // (B, qh·qw, kh·kw)
    }
}
