using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// Non-gated attention scores (<c>Attn_Net</c> of MCAT/HVTSurv): score = w^T tanh(V h). Returns (N, 1) unnormalised
/// scores. Without dropout its keys are <c>module.0</c> and <c>module.2</c>, as in HVTSurv's default.
/// </summary>
public sealed class AttentionNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential module;

    /// <summary>Creates the scorer; <paramref name="dropout"/> &gt; 0 inserts a dropout after tanh (the original's optional 0.25).</summary>
    public AttentionNet(int inputDim, int hiddenDim, double dropout = 0) : base(nameof(AttentionNet))
    {
        module = dropout > 0
            ? nn.Sequential(nn.Linear(inputDim, hiddenDim), nn.Tanh(), new StreamDropout(dropout), nn.Linear(hiddenDim, 1))
            : nn.Sequential(nn.Linear(inputDim, hiddenDim), nn.Tanh(), nn.Linear(hiddenDim, 1));
        RegisterComponents();
    }

    /// <summary>(N, L) -> unnormalised scores (N, 1).</summary>
    public override Tensor forward(Tensor h) => module.forward(h);
}
