using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// Attention-based MIL with gated attention (Ilse, Tomczak and Welling, ICML 2018) in MCAT's survival form
/// (<c>MIL_Attention_FC_surv</c>, mahmoodlab/MCAT <c>models/model_set_mil.py</c>): h = Dropout(ReLU(W x));
/// a = softmax over tiles of the gated attention scores; z = rho(Σ a_i h_i); logits = classifier(z).
/// The pooling is a weighted sum, so the output does not depend on tile order. Parameter counts: see <see cref="AbmilConfig"/>.
/// State-dict keys match MCAT's (<c>attention_net.0</c>, <c>attention_net.3.attention_a.0</c>, <c>rho.0</c>, <c>classifier</c>).
/// </summary>
public sealed class Abmil : AttentionBagDecoder
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> attention_net;
    private readonly Sequential rho;
    private readonly Linear classifier;

    /// <summary>The sizes this model was built with.</summary>
    public AbmilConfig Config { get; }

    /// <inheritdoc/>
    public override int InputDim => Config.InputDim;

    /// <inheritdoc/>
    public override int Bins => Config.Bins;

    /// <summary>Builds the model from <paramref name="config"/>.</summary>
    public Abmil(AbmilConfig config) : base(nameof(Abmil))
    {
        Config = config;
        attention_net = nn.ModuleList<nn.Module<Tensor, Tensor>>(
            nn.Linear(config.InputDim, config.HiddenDim), nn.ReLU(), new StreamDropout(config.Dropout),
            new GatedAttentionNet(config.HiddenDim, config.AttentionDim, config.Dropout));
        rho = nn.Sequential(nn.Linear(config.HiddenDim, config.AttentionDim), nn.ReLU(), new StreamDropout(config.Dropout));
        classifier = nn.Linear(config.AttentionDim, config.Bins);
        RegisterComponents();
    }

    /// <summary>Logits (K) and the attention weights over tiles (N), which sum to one.</summary>
    public override AttentionPooled ForwardWithAttention(Bag bag)
    {
        BagChecks.Validate(bag, this);
        using var scope = NewDisposeScope();
        var h = bag.Features;
        for (int i = 0; i < 3; i++) h = attention_net[i].forward(h);   // (N, hidden)
        var scores = attention_net[3].forward(h);                        // (N, 1)
        var a = nn.functional.softmax(scores.transpose(0, 1), 1);       // (1, N)
        var z = rho.forward(a.mm(h));                                    // (1, attn)
        var logits = classifier.forward(z).squeeze(0);                   // (K)
        return new AttentionPooled(logits.MoveToOuterDisposeScope(), a.squeeze(0).MoveToOuterDisposeScope());
    }
}
