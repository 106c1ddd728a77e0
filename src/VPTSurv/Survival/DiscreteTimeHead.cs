using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Survival;

/// <summary>
/// The discrete-time survival head shared by every decoder: K logits per WSI (or patient) are read as hazards
/// h_k = sigmoid(logit_k), the survival function S_k = prod_{j&lt;=k} (1 - h_j), and the risk score -sum_k S_k
/// (higher = worse), as in MCAT and the VPTSurv paper (Zadeh and Schmid).
/// </summary>
public static class DiscreteTimeHead
{
    /// <summary>Hazards h = sigmoid(logits). <paramref name="logits"/>: (..., K).</summary>
    public static Tensor Hazards(Tensor logits) => torch.sigmoid(logits);

    /// <summary>Survival S_k = prod_{j&lt;=k}(1 - h_j), computed as exp(cumsum(log sigmoid(-logit))) for stability. (..., K).</summary>
    public static Tensor SurvivalFunction(Tensor logits) => nn.functional.logsigmoid(-logits).cumsum(-1).exp();

    /// <summary>Risk = -sum_k S_k over the last axis (higher = earlier death). (..., K) -> (...).</summary>
    public static Tensor Risk(Tensor logits) => -SurvivalFunction(logits).sum(-1);
}
