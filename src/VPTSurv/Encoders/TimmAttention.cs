using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>timm's multi-head self-attention over a token sequence (state keys <c>qkv</c>, <c>proj</c>).</summary>
public sealed class TimmAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;

    /// <summary>Creates attention of width <paramref name="width"/>.</summary>
    public TimmAttention(int width, int heads, bool qkvBias) : base("Attention")
    {
        this.heads = heads;
        qkv = nn.Linear(width, width * 3, hasBias: qkvBias);
        proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>(B, L, C) -> (B, L, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1], c = x.shape[2];
        var qkvT = qkv.forward(x).reshape(b, l, 3, heads, c / heads).permute(2, 0, 3, 1, 4); // (3, B, nh, L, hs)
        var y = nn.functional.scaled_dot_product_attention(qkvT[0], qkvT[1], qkvT[2]); // (B, nh, L, hs)
        return proj.forward(y.transpose(1, 2).reshape(b, l, c)).MoveToOuterDisposeScope(); // (B, L, C)
    }
}

/// <summary>timm's LayerScale: a learned per-channel gain (state key <c>gamma</c>).</summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma;

    /// <summary>Creates the gain initialised to <paramref name="init"/>.</summary>
    public LayerScale(int width, double init) : base("LayerScale")
    {
        gamma = nn.Parameter(full(width, init));
        RegisterComponents();
    }

    /// <summary>(..., C) -> (..., C).</summary>
    public override Tensor forward(Tensor x) => x * gamma;
}

/// <summary>timm's pre-norm ViT block with optional LayerScale (state keys norm1, attn, ls1, norm2, mlp, ls2).</summary>
public sealed class TimmBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly TimmAttention attn;
    private readonly LayerScale? ls1;
    private readonly LayerNorm norm2;
    private readonly GeluMlp mlp;
    private readonly LayerScale? ls2;

    /// <summary>Creates one block of <paramref name="config"/>.</summary>
    public TimmBlock(TimmViTConfig config) : base("Block")
    {
        norm1 = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        attn = new TimmAttention(config.Width, config.Heads, config.QkvBias);
        norm2 = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        mlp = GeluMlp.Timm(config.Width, config.MlpHidden);
        if (config.LayerScaleInit is double init)
        {
            ls1 = new LayerScale(config.Width, init);
            ls2 = new LayerScale(config.Width, init);
        }
        RegisterComponents();
    }

    /// <summary>(B, L, C) -> (B, L, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = attn.forward(norm1.forward(x));
        var h = x + (ls1 is null ? a : ls1.forward(a));
        var m = mlp.forward(norm2.forward(h));
        return (h + (ls2 is null ? m : ls2.forward(m))).MoveToOuterDisposeScope();
    }
}
