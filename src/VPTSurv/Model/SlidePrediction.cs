using VPTSurv.Data;
using VPTSurv.Survival;

namespace VPTSurv.Model;

/// <summary>What a model predicts for one slide, with the slide's outcome.</summary>
/// <param name="SlideId">The slide.</param>
/// <param name="PatientId">Its patient.</param>
/// <param name="Split">Its split.</param>
/// <param name="Time">Follow-up time.</param>
/// <param name="EventObserved">Whether the death was observed.</param>
/// <param name="Logits">The K discrete-hazard logits.</param>
public sealed record SlidePrediction(string SlideId, string PatientId, Split Split, double Time, bool EventObserved, double[] Logits)
{
    /// <summary>S_k = Π_{j≤k} (1 − sigmoid(l_j)), the survival after each bin.</summary>
    public double[] Survival => DiscreteTimeHead.SurvivalOf(Logits);

    /// <summary>Risk −Σ_k S_k (higher = worse), see <see cref="DiscreteTimeHead"/>.</summary>
    public double Risk => DiscreteTimeHead.RiskOf(Logits);

    /// <summary>The predicted survival at <paramref name="time"/>: S of the last bin whose upper edge is at or before it (1 before the first).</summary>
    public double SurvivalAt(double time, IReadOnlyList<double> edges)
    {
        var s = Survival;
        double value = 1;
        for (int k = 0; k < s.Length && k + 1 < edges.Count; k++)
            if (edges[k + 1] <= time) value = s[k];
        return value;
    }
}
