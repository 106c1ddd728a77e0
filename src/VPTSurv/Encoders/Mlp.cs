using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// The ViT block's MLP: Linear d -> hidden, GELU, Linear hidden -> d. SAM names its layers <c>lin1</c>, <c>lin2</c>
/// (MLPBlock) and timm <c>fc1</c>, <c>fc2</c> (Mlp); <see cref="Sam"/> and <see cref="Timm"/> build it with those state
/// keys, so either checkpoint loads as it is.
/// </summary>
public sealed class GeluMlp : nn.Module<Tensor, Tensor>
{
    // Not fields of their own: TorchSharp registers Module fields under the field's name, and the keys are the paper
    // code's (lin1/lin2 or fc1/fc2).
    private readonly Linear[] layers;

    private GeluMlp(string typeName, int width, int hidden, string firstName, string secondName) : base(typeName)
    {
        layers = [nn.Linear(width, hidden), nn.Linear(hidden, width)];
        register_module(firstName, layers[0]);
        register_module(secondName, layers[1]);
    }

    /// <summary>SAM's MLPBlock d -> hidden -> d (state keys <c>lin1</c>, <c>lin2</c>).</summary>
    public static GeluMlp Sam(int width, int hidden) => new("MLPBlock", width, hidden, "lin1", "lin2");

    /// <summary>timm's Mlp d -> hidden -> d (state keys <c>fc1</c>, <c>fc2</c>).</summary>
    public static GeluMlp Timm(int width, int hidden) => new("Mlp", width, hidden, "fc1", "fc2");

    /// <summary>(..., d) -> (..., d).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return layers[1].forward(nn.functional.gelu(layers[0].forward(x))).MoveToOuterDisposeScope();
    }
}
