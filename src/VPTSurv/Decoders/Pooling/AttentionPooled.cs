using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// A decoder's logits together with the attention weights of its pooling step, for inspection (heat maps) and tests.
/// </summary>
/// <param name="Logits">Survival logits (K).</param>
/// <param name="Weights">Normalised pooling weights over the pooled items (tiles, windows' tokens or clusters); they sum to one.</param>
public sealed record AttentionPooled(Tensor Logits, Tensor Weights);
