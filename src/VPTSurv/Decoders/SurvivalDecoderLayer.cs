using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders;
using VPTSurv.Model;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// One pre-norm Transformer decoder layer of the survival decoder: self-attention among the K survival queries,
/// cross-attention from the queries to the N tile tokens, and a GELU FFN, each residual. Tiles carry no position,
/// so the layer is invariant to their order and to their number.
/// </summary>
public sealed class SurvivalDecoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly TokenAttention self_attn;
    private readonly LayerNorm norm2;
    private readonly LayerNorm norm_memory;
    private readonly TokenAttention cross_attn;
    private readonly LayerNorm norm3;
    private readonly Linear linear1;
    private readonly Linear linear2;

    /// <summary>Creates a layer of width <paramref name="width"/>.</summary>
    public SurvivalDecoderLayer(int width, int heads, int ffnHidden) : base("SurvivalDecoderLayer")
    {
        norm1 = nn.LayerNorm(width);
        self_attn = new TokenAttention(width, heads);
        norm2 = nn.LayerNorm(width);
        norm_memory = nn.LayerNorm(width);
        cross_attn = new TokenAttention(width, heads);
        norm3 = nn.LayerNorm(width);
        linear1 = nn.Linear(width, ffnHidden);
        linear2 = nn.Linear(ffnHidden, width);
        RegisterComponents();
    }

    /// <summary>Queries (B, K, W) and tile tokens (B, N, W) -> queries (B, K, W).</summary>
    public override Tensor forward(Tensor queries, Tensor tiles)
    {
        using var scope = NewDisposeScope();
        var q = norm1.forward(queries);
        var x = queries + self_attn.forward(q, q);
        x = x + cross_attn.forward(norm2.forward(x), norm_memory.forward(tiles));
        x = x + linear2.forward(nn.functional.gelu(linear1.forward(norm3.forward(x))));
        return x.MoveToOuterDisposeScope();
    }
}
