using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>A SAM ViT block: pre-norm windowed (or global) attention and a GELU MLP, both residual.</summary>
public sealed class SamBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly SamAttention attn;
    private readonly LayerNorm norm2;
    private readonly GeluMlp mlp;
    private readonly int window;

    /// <summary>Creates block <paramref name="index"/> of <paramref name="config"/>.</summary>
    public SamBlock(SamViTConfig config, int index) : base("Block")
    {
        window = config.WindowOf(index);
        norm1 = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        attn = new SamAttention(config.Width, config.Heads, config.QkvBias, config.UseRelativePosition,
            window == 0 ? config.GridSize : window);
        norm2 = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        mlp = GeluMlp.Sam(config.Width, config.MlpHidden);
        RegisterComponents();
    }

    /// <summary>Window side, 0 when global.</summary>
    public int Window => window;

    /// <summary>(B, H, W, C) -> (B, H, W, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = norm1.forward(x);
        if (window > 0)
        {
            (long, long) size = (x.shape[1], x.shape[2]);
            var (windows, padded) = WindowPartition.Partition(y, window);
            y = WindowPartition.Unpartition(attn.forward(windows), window, padded, size);
        }
        else
        {
            y = attn.forward(y);
        }
        var h = x + y;
        return (h + mlp.forward(norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
