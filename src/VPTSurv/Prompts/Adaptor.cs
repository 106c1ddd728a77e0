using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders;
using VPTSurv.Model;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>
/// Adaptor i (one per encoder block): a_i = Attn_i(Q = e, K = V = [e, sources…]) at width r, then GELU(MLP_i(a_i)).
/// The shared Up (r -> d) that turns this into the prompt P_i lives in <see cref="PromptedEncoder"/>.
/// </summary>
public sealed class Adaptor : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly TokenAttention attn;
    private readonly Linear mlp;

    /// <summary>Creates an adaptor of width <paramref name="width"/>.</summary>
    public Adaptor(int width, int heads) : base("Adaptor")
    {
        attn = new TokenAttention(width, heads);
        mlp = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>Tile prompt e (N, n, r) and all prompt tokens (N, L, r) -> (N, n, r), before Up.</summary>
    public override Tensor forward(Tensor tilePrompt, Tensor allPrompts)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(mlp.forward(attn.forward(tilePrompt, allPrompts))).MoveToOuterDisposeScope();
    }
}
