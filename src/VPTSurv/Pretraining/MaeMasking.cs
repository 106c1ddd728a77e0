using TorchSharp;
using VPTSurv.Slides.Synthetic;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// MAE's per-tile random masking: each tile keeps a uniformly random subset of <c>visible</c> of its n patch tokens
/// (listed in increasing token order) and hides the rest. Drawn from (seed, step) alone, so resuming reproduces it.
/// </summary>
public static class MaeMasking
{
    /// <summary>
    /// Visible token indices (B, visible) int64, each row sorted, and the mask (B, n) float32 with 1 on hidden tokens.
    /// </summary>
    public static (Tensor Keep, Tensor Mask) Draw(ulong seed, long step, int batch, int tokens, int visible, Device? device = null)
    {
        if (visible < 1 || visible > tokens)
            throw new ArgumentOutOfRangeException(nameof(visible), $"Visible tokens must be in 1..{tokens}, got {visible}.");
        var rng = new SeededRandom(PointHash.Key(seed, 0x4D41534B_00000000UL ^ (ulong)step));
        var keep = new long[batch * visible];
        var mask = new float[batch * tokens];
        var order = new int[tokens];
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < tokens; i++) order[i] = i;
            rng.Shuffle(order);
            Array.Sort(order, 0, visible);
            for (int i = 0; i < visible; i++) keep[b * visible + i] = order[i];
            for (int i = 0; i < tokens; i++) mask[b * tokens + i] = 1f;
            for (int i = 0; i < visible; i++) mask[b * tokens + order[i]] = 0f;
        }
        return (tensor(keep, [batch, visible], device: device), tensor(mask, [batch, tokens], device: device));
    }

    /// <summary>Every token visible, in order: (B, n) int64. With it the visible-token encoder is the full encoder.</summary>
    public static Tensor All(int batch, int tokens, Device? device = null) =>
        arange(tokens, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(batch, tokens).contiguous(); // (B, n)
}
