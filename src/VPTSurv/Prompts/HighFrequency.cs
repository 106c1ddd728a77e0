using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>
/// The structure prompt's high-frequency component: HFC(x) = |Re ifft2(ifftshift(M ⊙ fftshift(fft2(x))))| per
/// channel, M zeroing the centred low-frequency square of side sqrt(τ)·T (area τ·T·T).
/// </summary>
public static class HighFrequency
{
    /// <summary>(N, C, H, W) float -> (N, C, H, W) float, the magnitude of the high-pass image.</summary>
    public static Tensor Extract(Tensor x, double tau)
    {
        using var scope = NewDisposeScope();
        long h = x.shape[^2], w = x.shape[^1];
        long sideH = (long)Math.Round(Math.Sqrt(tau) * h), sideW = (long)Math.Round(Math.Sqrt(tau) * w);
        var spectrum = fft.fftshift(fft.fft2(x), [-2, -1]); // DC at (h/2, w/2)
        var mask = ones(h, w, device: x.device);
        if (sideH > 0 && sideW > 0)
        {
            long top = h / 2 - sideH / 2, left = w / 2 - sideW / 2;
            mask[TensorIndex.Slice(top, top + sideH), TensorIndex.Slice(left, left + sideW)] = 0;
        }
        var high = fft.ifft2(fft.ifftshift(spectrum * mask, [-2, -1]));
        return high.real.abs().MoveToOuterDisposeScope();
    }
}
