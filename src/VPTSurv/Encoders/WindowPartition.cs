using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>SAM's non-overlapping windows: pad the grid to a multiple of the window with zeros, cut, and undo.</summary>
public static class WindowPartition
{
    /// <summary>(B, H, W, C) -> windows (B·nWin, ws, ws, C) and the padded size (Hp, Wp).</summary>
    public static (Tensor Windows, (long H, long W) Padded) Partition(Tensor x, int window)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
        long padH = (window - h % window) % window, padW = (window - w % window) % window;
        if (padH > 0 || padW > 0)
            x = nn.functional.pad(x, [0, 0, 0, padW, 0, padH]); // zero rows/columns at the bottom/right
        long hp = h + padH, wp = w + padW;
        var windows = x.view(b, hp / window, window, wp / window, window, c) // (B, Hp/ws, ws, Wp/ws, ws, C)
            .permute(0, 1, 3, 2, 4, 5).contiguous()
            .view(-1, window, window, c); // (B·nWin, ws, ws, C)
        return (windows.MoveToOuterDisposeScope(), (hp, wp));
    }

    /// <summary>Windows (B·nWin, ws, ws, C) -> (B, H, W, C), dropping the padding.</summary>
    public static Tensor Unpartition(Tensor windows, int window, (long H, long W) padded, (long H, long W) original)
    {
        using var scope = NewDisposeScope();
        long b = windows.shape[0] / (padded.H * padded.W / window / window);
        var x = windows.view(b, padded.H / window, padded.W / window, window, window, -1) // (B, Hp/ws, Wp/ws, ws, ws, C)
            .permute(0, 1, 3, 2, 4, 5).contiguous()
            .view(b, padded.H, padded.W, -1); // (B, Hp, Wp, C)
        if (padded.H > original.H || padded.W > original.W)
            x = x[.., ..(int)original.H, ..(int)original.W, ..].contiguous();
        return x.MoveToOuterDisposeScope();
    }
}
