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
        long b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3], hs = c / heads, n = h * w;
        var qkvT = qkv.forward(x).reshape(b, n, 3, heads, hs).permute(2, 0, 3, 1, 4).reshape(3, b * heads, n, hs); // (3, B·nh, HW, hs)
        var q = qkvT[0];
        var k = qkvT[1];
        var v = qkvT[2]; // (B·nh, HW, hs)
        // Written out, softmax(q·kᵀ/√hs + bias)·v with the bias added in place into the logits, instead of
        // scaled_dot_product_attention with the bias as attn_mask: at these sizes (64 or 16 tokens, head 32) libtorch's
        // masked SDPA is the slower forward (bench attention-probe; the block stages in bench training-vs-pytorch).
        // (TorchSharp 0.107's baddbmm passes its operands in the wrong order, so the add is not fused into the GEMM.)
        var logits = bmm(q * (1.0 / Math.Sqrt(hs)), k.transpose(1, 2)); // (B·nh, HW, HW)
        if (rel_pos_h is not null && rel_pos_w is not null)
            logits.add_(RelativePosition.Bias(q, rel_pos_h, rel_pos_w, (h, w), (h, w)));
        var y = bmm(logits.softmax(-1), v); // (B·nh, HW, hs)
        y = y.view(b, heads, h, w, hs).permute(0, 2, 3, 1, 4).reshape(b, h, w, c); // (B, H, W, C)
        return proj.forward(y).MoveToOuterDisposeScope();
    }
}
