using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// Multi-head attention from one token set to another (query tokens attend to key/value tokens), with its own
/// q, kv and out projections. Used by the adaptors (width r) and by the survival decoder (width d_dec).
/// </summary>
public sealed class TokenAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear kv_proj;
    private readonly Linear out_proj;
    private readonly int heads;

    /// <summary>Creates attention of width <paramref name="width"/> with <paramref name="heads"/> heads.</summary>
    public TokenAttention(int width, int heads) : base("TokenAttention")
    {
        if (heads <= 0 || width % heads != 0)
            throw new ArgumentException($"TokenAttention: width {width} must be a positive multiple of heads {heads}.");
        this.heads = heads;
        q_proj = nn.Linear(width, width);
        // Keys and values in one projection: at adaptor widths (r = 12..24) each GEMM call costs more in overhead than in arithmetic.
        kv_proj = nn.Linear(width, 2 * width);
        out_proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>Queries (B, Lq, C) attend to keys/values (B, Lk, C) -> (B, Lq, C).</summary>
    public override Tensor forward(Tensor query, Tensor keyValue)
    {
        using var scope = NewDisposeScope();
        long b = query.shape[0], lq = query.shape[1], lk = keyValue.shape[1], c = query.shape[2], hs = c / heads;
        var q = q_proj.forward(query).view(b, lq, heads, hs).transpose(1, 2); // (B, nh, Lq, hs)
        var kv = kv_proj.forward(keyValue).view(b, lk, 2, heads, hs).permute(2, 0, 3, 1, 4); // (2, B, nh, Lk, hs)
        var k = kv[0];
        var v = kv[1]; // (B, nh, Lk, hs)
        var y = nn.functional.scaled_dot_product_attention(q, k, v); // (B, nh, Lq, hs)
        return out_proj.forward(y.transpose(1, 2).reshape(b, lq, c)).MoveToOuterDisposeScope(); // (B, Lq, C)
    }
}
