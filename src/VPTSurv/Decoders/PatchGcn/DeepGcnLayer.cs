using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// PyG's <c>DeepGCNLayer</c> with block 'res' as Patch-GCN builds it: x + ReLU(LayerNorm(GENConv(x))), then dropout 0.1.
/// Keys: <c>conv</c>, <c>norm</c>.
/// </summary>
public sealed class DeepGcnLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GenConv conv;
    private readonly LayerNorm norm;
    private readonly ReLU act;
    private readonly StreamDropout drop;

    /// <summary>Creates the layer for node features of width <paramref name="channels"/>.</summary>
    public DeepGcnLayer(int channels, double dropout) : base(nameof(DeepGcnLayer))
    {
        conv = new GenConv(channels);
        norm = nn.LayerNorm(channels);
        act = nn.ReLU();
        drop = new StreamDropout(dropout);
        RegisterComponents();
    }

    /// <summary>The bare convolution; Patch-GCN applies only this for its first layer.</summary>
    public GenConv Conv => conv;

    /// <summary>(N, C), edge_index (2, E) -> (N, C).</summary>
    public override Tensor forward(Tensor x, Tensor edgeIndex)
    {
        using var scope = NewDisposeScope();
        var h = act.forward(norm.forward(conv.forward(x, edgeIndex)));
        return drop.forward(x + h).MoveToOuterDisposeScope();
    }
}
