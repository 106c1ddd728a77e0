using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>SAM's multi-head attention over a (B, H, W, C) grid with decomposed relative position.</summary>
public sealed class SamAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly Parameter? rel_pos_h;
    private readonly Parameter? rel_pos_w;
    private readonly int heads;

    /// <summary>Creates attention for a grid of side <paramref name="inputSize"/> (the window, or the whole grid when global).</summary>
    public SamAttention(int width, int heads, bool qkvBias, bool useRelPos, int inputSize) : base("Attention")
    {
        this.heads = heads;
        qkv = nn.Linear(width, width * 3, hasBias: qkvBias);
        proj = nn.Linear(width, width);
        if (useRelPos)
        {
            // SAM initialises the tables at zero (rel_pos_zero_init).
            rel_pos_h = nn.Parameter(zeros(2 * inputSize - 1, width / heads));
            rel_pos_w = nn.Parameter(zeros(2 * inputSize - 1, width / heads));
        }
        RegisterComponents();
    }

    /// <summary>(B, H, W, C) -> (B, H, W, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3], hs = c / heads;
        var qkvT = qkv.forward(x).reshape(b, h * w, 3, heads, hs).permute(2, 0, 3, 1, 4); // (3, B, nh, HW, hs)
        var q = qkvT[0];
        var k = qkvT[1];
        var v = qkvT[2]; // (B, nh, HW, hs)
        Tensor? bias = null;
        if (rel_pos_h is not null && rel_pos_w is not null)
            bias = RelativePosition.Bias(q.reshape(b * heads, h * w, hs), rel_pos_h, rel_pos_w, (h, w), (h, w))
                .view(b, heads, h * w, h * w); // (B, nh, HW, HW)
        var y = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: bias); // (B, nh, HW, hs)
        y = y.transpose(1, 2).reshape(b, h, w, c); // (B, H, W, C)
        return proj.forward(y).MoveToOuterDisposeScope();
    }
}
