using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// A bag decoder whose logits come out of an attention-pooling step (ABMIL, PatchGCN, DeepAttnMISL, HVTSurv):
/// <see cref="ForwardWithAttention"/> returns the logits with the pooling weights; <c>forward</c> keeps the logits only.
/// </summary>
public abstract class AttentionBagDecoder : BagDecoder
{
    /// <summary>Creates the module with its TorchSharp name.</summary>
    protected AttentionBagDecoder(string name) : base(name) { }

    /// <summary>Survival logits (K) and the attention weights of the pooling step.</summary>
    public abstract AttentionPooled ForwardWithAttention(Bag bag);

    /// <summary>Bag -> survival logits (K).</summary>
    public sealed override Tensor forward(Bag bag)
    {
        var r = ForwardWithAttention(bag);
        r.Weights.Dispose();
        return r.Logits;
    }
}
