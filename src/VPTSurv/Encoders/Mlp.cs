using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>SAM's MLPBlock: lin1 -> GELU -> lin2 (state keys <c>lin1</c>, <c>lin2</c>).</summary>
public sealed class SamMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear lin1;
    private readonly Linear lin2;

    /// <summary>Creates the MLP d -> hidden -> d.</summary>
    public SamMlp(int width, int hidden) : base("MLPBlock")
    {
        lin1 = nn.Linear(width, hidden);
        lin2 = nn.Linear(hidden, width);
        RegisterComponents();
    }

    /// <summary>(..., d) -> (..., d).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return lin2.forward(nn.functional.gelu(lin1.forward(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>timm's Mlp: fc1 -> GELU -> fc2 (state keys <c>fc1</c>, <c>fc2</c>).</summary>
public sealed class TimmMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Creates the MLP d -> hidden -> d.</summary>
    public TimmMlp(int width, int hidden) : base("Mlp")
    {
        fc1 = nn.Linear(width, hidden);
        fc2 = nn.Linear(hidden, width);
        RegisterComponents();
    }

    /// <summary>(..., d) -> (..., d).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(nn.functional.gelu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}
