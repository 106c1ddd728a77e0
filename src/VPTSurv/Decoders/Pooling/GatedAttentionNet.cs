using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// Gated attention scores of Ilse et al. (2018), in MCAT's form (<c>Attn_Net_Gated</c>, mahmoodlab/MCAT
/// <c>models/model_utils.py</c>): a = tanh(V h), b = sigmoid(U h), score = w^T (a ⊙ b). Returns the unnormalised
/// score per tile (N, 1); the caller applies the softmax over tiles. Parameters: 2 (L D + D) + D + 1.
/// </summary>
public sealed class GatedAttentionNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential attention_a;
    private readonly Sequential attention_b;
    private readonly Linear attention_c;

    /// <summary>Creates the scorer for inputs of width <paramref name="inputDim"/> (L) and hidden width <paramref name="hiddenDim"/> (D).</summary>
    public GatedAttentionNet(int inputDim, int hiddenDim, double dropout) : base(nameof(GatedAttentionNet))
    {
        attention_a = nn.Sequential(nn.Linear(inputDim, hiddenDim), nn.Tanh(), new StreamDropout(dropout));
        attention_b = nn.Sequential(nn.Linear(inputDim, hiddenDim), nn.Sigmoid(), new StreamDropout(dropout));
        attention_c = nn.Linear(hiddenDim, 1);
        RegisterComponents();
    }

    /// <summary>(N, L) -> unnormalised scores (N, 1).</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        return attention_c.forward(attention_a.forward(h) * attention_b.forward(h)).MoveToOuterDisposeScope();
    }
}
