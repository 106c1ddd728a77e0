using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>TransMIL's pre-norm residual layer: x + NystromAttention(LayerNorm(x)). Keys: <c>norm</c>, <c>attn</c>.</summary>
public sealed class TransLayer : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm;
    private readonly NystromAttention attn;

    /// <summary>Creates the layer from the TransMIL sizes.</summary>
    public TransLayer(TransMilConfig config) : base(nameof(TransLayer))
    {
        norm = nn.LayerNorm(config.Dim);
        attn = new NystromAttention(config.Dim, config.Dim / config.Heads, config.Heads, config.Landmarks,
            config.PinvIterations, config.ResidualKernel, config.Dropout);
        RegisterComponents();
    }

    /// <summary>(B, n, C) -> (B, n, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x + attn.forward(norm.forward(x))).MoveToOuterDisposeScope();
    }
}
