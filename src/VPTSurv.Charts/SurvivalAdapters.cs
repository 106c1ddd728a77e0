using VPTSurv.Survival;

namespace VPTSurv.Charts;

/// <summary>Chart inputs from the survival toolkit's results.</summary>
public static class SurvivalAdapters
{
    /// <summary>A chart curve from a fitted Kaplan–Meier estimate.</summary>
    public static KaplanMeierCurve ToCurve(this KaplanMeierResult km, string label)
    {
        ArgumentNullException.ThrowIfNull(km);
        return new KaplanMeierCurve(label, km.Time.Select((t, k) =>
            new SurvivalStep(t, km.AtRisk[k], km.Events[k], km.Censored[k], km.Survival[k], km.Lower[k], km.Upper[k])));
    }

    /// <summary>The log-rank line of a chart.</summary>
    public static LogRankAnnotation ToAnnotation(this LogRankResult test)
    {
        ArgumentNullException.ThrowIfNull(test);
        return new LogRankAnnotation(test.ChiSquare, test.DegreesOfFreedom, test.PValue);
    }

    /// <summary>The hazard-ratio line of a chart for covariate <paramref name="index"/> of a Cox fit.</summary>
    /// <param name="fit">The fitted Cox model.</param>
    /// <param name="comparison">What the ratio compares, e.g. "high vs low risk".</param>
    /// <param name="index">The covariate (0 for a single group indicator).</param>
    public static HazardRatioAnnotation ToAnnotation(this CoxFit fit, string comparison, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (index < 0 || index >= fit.HazardRatios.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The Cox fit has {fit.HazardRatios.Length} covariates ({string.Join(", ", fit.Names)}).");
        return new HazardRatioAnnotation(fit.HazardRatios[index], fit.Lower[index], fit.Upper[index], comparison, fit.Level);
    }
}
