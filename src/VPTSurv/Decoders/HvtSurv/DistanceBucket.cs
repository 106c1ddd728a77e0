using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// HVTSurv's bucketing of relative tile distances for the window attention bias (the piecewise index of iRPE,
/// Wu et al. 2021, as used in szc19990412/HVTSurv <c>models/HVTSurv.py</c>): per axis, |Δ| ≤ 2α maps to sign(Δ)
/// (0 or 1 after the absolute value) and larger offsets to round(ln(|Δ|/α) / ln(γ/α) · (β − 2α)) capped at
/// <c>shift</c> = ⌊√W⌋; the two axes' absolute buckets are summed, giving an index in [0, 2 shift].
/// α = 1.9, β = 4α, γ = 6α.
/// </summary>
public static class DistanceBucket
{
    private const double Alpha = 1.9, Beta = 1.9 * 4, Gamma = 1.9 * 6;

    /// <summary>Bucket of one axis' offset (integer tile units), already absolute.</summary>
    public static Tensor Axis(Tensor delta, long shift)
    {
        var abs = delta.to(ScalarType.Float64).abs();
        var far = (torch.log(abs.clamp_min(1) / Alpha) / Math.Log(Gamma / Alpha) * (Beta - 2 * Alpha)).round().clamp_max(shift);
        var near = (abs > 0).to(ScalarType.Float64);
        return torch.where(abs <= 2 * Alpha, near, far).to(ScalarType.Int64);
    }

    /// <summary>Pairwise bias index (..., W, W) of grid positions (..., W, 2): the sum of both axes' buckets.</summary>
    public static Tensor Pairwise(Tensor grid, long shift)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var g = grid.to(ScalarType.Int64);
        var rel = g.unsqueeze(-2) - g.unsqueeze(-3);                               // (..., W, W, 2)
        return (Axis(rel[TensorIndex.Ellipsis, 0], shift) + Axis(rel[TensorIndex.Ellipsis, 1], shift)).MoveToOuterDisposeScope();
    }
}
