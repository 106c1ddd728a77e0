using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Decoders.Graph;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// GENConv of DeeperGCN (Li et al., 2020) as configured by Patch-GCN (PyG <c>GENConv(aggr='softmax', t=1.0,
/// learn_t=True, num_layers=2, norm='layer')</c>): messages m_ij = ReLU(x_j) + ε, aggregated at each node with
/// softmax weights softmax_j(t · m_ij) per channel and a learnable temperature t, added to the node's own features, then
/// an MLP C -> 2C -> C with LayerNorm and ReLU. Keys: <c>mlp.0</c>, <c>mlp.1</c>, <c>mlp.4</c>, <c>t</c>.
/// Parameters: 4C² + 3C + 4C + C + 1 (C = 128: 66,433).
/// </summary>
public sealed class GenConv : nn.Module<Tensor, Tensor, Tensor>
{
    private const double Eps = 1e-7;
    private readonly Sequential mlp;
    private readonly Parameter t;

    /// <summary>Creates the convolution for node features of width <paramref name="channels"/>.</summary>
    public GenConv(int channels, double initialTemperature = 1.0) : base(nameof(GenConv))
    {
        mlp = nn.Sequential(nn.Linear(channels, 2 * channels), nn.LayerNorm(2 * channels), nn.ReLU(),
            new StreamDropout(0.0), nn.Linear(2 * channels, channels));
        t = nn.Parameter(torch.tensor(new[] { (float)initialTemperature }));
        RegisterComponents();
    }

    /// <summary>The learnable softmax temperature.</summary>
    public Tensor Temperature => t;

    /// <summary>Nodes (N, C) and edge_index (2, E) (row 0 source, row 1 target) -> (N, C).</summary>
    public override Tensor forward(Tensor x, Tensor edgeIndex)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var source = edgeIndex[0];
        var target = edgeIndex[1];
        var msg = nn.functional.relu(x.index_select(0, source)) + Eps;              // (E, C)
        var weights = Scatter.Softmax(msg * t, target, n);                           // (E, C)
        var aggregated = Scatter.Sum(msg * weights, target, n);                      // (N, C)
        return mlp.forward(aggregated + x).MoveToOuterDisposeScope();
    }
}
