using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>timm's <c>Mlp</c> (fc1, GELU, dropout, fc2, dropout), as HVTSurv uses it. Keys: <c>fc1</c>, <c>fc2</c>.</summary>
public sealed class HvtSurvMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Linear fc2;
    private readonly StreamDropout drop;

    /// <summary>Creates an MLP dim -> hidden -> dim.</summary>
    public HvtSurvMlp(int dim, int hidden, double dropout) : base("Mlp")
    {
        fc1 = nn.Linear(dim, hidden);
        act = nn.GELU();
        fc2 = nn.Linear(hidden, dim);
        drop = new StreamDropout(dropout);
        RegisterComponents();
    }

    /// <summary>(..., dim) -> (..., dim).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return drop.forward(fc2.forward(drop.forward(act.forward(fc1.forward(x))))).MoveToOuterDisposeScope();
    }
}
