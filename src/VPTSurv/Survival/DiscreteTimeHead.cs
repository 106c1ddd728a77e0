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

    /// <summary>S_k = prod_{j&lt;=k}(1 - sigmoid(l_j)) of one subject's K logits, in doubles (for predictions read back from tensors).</summary>
    public static double[] SurvivalOf(IReadOnlyList<double> logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var s = new double[logits.Count];
        double acc = 1;
        for (int k = 0; k < s.Length; k++)
        {
            acc *= 1 - 1 / (1 + Math.Exp(-logits[k]));
            s[k] = acc;
        }
        return s;
    }

    /// <summary>Risk = -sum_k S_k of one subject's K logits, in doubles (higher = earlier death).</summary>
    public static double RiskOf(IReadOnlyList<double> logits) => -SurvivalOf(logits).Sum();
}
