using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>HVTSurv's local layer: GELU(x + WindowAttention(LayerNorm(x))), then dropout. Keys: <c>norm1</c>, <c>wattn</c>.</summary>
public sealed class LocalLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly WindowAttention wattn;
    private readonly GELU act;
    private readonly StreamDropout drop;

    /// <summary>Creates the layer from the HVTSurv sizes.</summary>
    public LocalLayer(HvtSurvConfig config) : base(nameof(LocalLayer))
    {
        norm1 = nn.LayerNorm(config.Dim);
        wattn = new WindowAttention(config.Dim, config.Heads, config.WindowSize, config.Dropout);
        act = nn.GELU();
        drop = new StreamDropout(config.Dropout);
        RegisterComponents();
    }

    /// <summary>The window attention (for inspection).</summary>
    public WindowAttention Attention => wattn;

    /// <summary>The pre-attention normalisation (for inspection).</summary>
    public LayerNorm Norm => norm1;

    /// <summary>(M, C) tokens in window order, grid positions (M, 2) -> (M, C).</summary>
    public override Tensor forward(Tensor x, Tensor grid)
    {
        using var scope = NewDisposeScope();
        return drop.forward(act.forward(x + wattn.forward(norm1.forward(x), grid))).MoveToOuterDisposeScope();
    }
}
