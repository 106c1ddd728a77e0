using MathNet.Numerics.Distributions;

namespace VPTSurv.Survival;

/// <summary>
/// Paired comparison of two risk scores of the same subjects by Harrell's C, with the joint infinitesimal-jackknife
/// covariance of R's <c>concordance(y ~ a + b)</c>: Cov(C_a, C_b) = Σ dfbeta_a,i dfbeta_b,i / 4. The difference
/// C_a - C_b has variance V_aa + V_bb - 2 V_ab; z = difference / se and a two-sided normal p-value (the contrast
/// R's vcov of the concordance fit gives, and what TorchSurv's <c>compare()</c> answers).
/// </summary>
/// <param name="Level">Confidence level of the interval of the difference.</param>
public sealed record ConcordanceComparison(double Level = 0.95)
{
    /// <summary>Compares <paramref name="riskA"/> with <paramref name="riskB"/> (higher = worse) on the same subjects.</summary>
    /// <exception cref="ArgumentException">Bad input (argument and index named).</exception>
    /// <exception cref="NoComparablePairsException">No comparable pair.</exception>
    public ConcordanceComparisonResult Fit(
        IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> riskA, IReadOnlyList<double> riskB)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        ArgumentNullException.ThrowIfNull(riskA);
        ArgumentNullException.ThrowIfNull(riskB);
        SurvivalInput.CheckSameLength(time.Count, riskA.Count, nameof(riskA));
        SurvivalInput.CheckSameLength(time.Count, riskB.Count, nameof(riskB));
        SurvivalInput.CheckFinite(riskA, nameof(riskA));
        SurvivalInput.CheckFinite(riskB, nameof(riskB));
        SurvivalInput.CheckLevel(Level);
        var t = SurvivalInput.ToArray(time);
        var e = SurvivalInput.ToArray(eventObserved);
        var ra = SurvivalInput.ToArray(riskA);
        var rb = SurvivalInput.ToArray(riskB);
        var ca = Concordance.HarrellUnchecked(t, e, ra);
        var cb = Concordance.HarrellUnchecked(t, e, rb);
        var da = ConcordanceInfluence.Dfbeta(t, e, ra);
        var db = ConcordanceInfluence.Dfbeta(t, e, rb);
        double vaa = 0, vbb = 0, vab = 0;
        for (int i = 0; i < t.Length; i++) { vaa += da[i] * da[i]; vbb += db[i] * db[i]; vab += da[i] * db[i]; }
        vaa /= 4; vbb /= 4; vab /= 4;
        double diff = ca.CIndex - cb.CIndex;
        double se = Math.Sqrt(Math.Max(vaa + vbb - 2 * vab, 0));
        double zc = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        double z = diff / se;
        return new ConcordanceComparisonResult(
            ca with { Variance = vaa, Level = Level }, cb with { Variance = vbb, Level = Level },
            new[,] { { vaa, vab }, { vab, vbb } }, diff, se, diff - zc * se, diff + zc * se, z,
            2 * Normal.CDF(0, 1, -Math.Abs(z)), Level);
    }

    /// <summary>Compares two risk scores against <paramref name="targets"/>.</summary>
    public ConcordanceComparisonResult Fit(SurvivalTargets targets, IReadOnlyList<double> riskA, IReadOnlyList<double> riskB)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Fit(targets.Time, targets.EventObserved, riskA, riskB);
    }
}

/// <summary>Result of <see cref="ConcordanceComparison"/>.</summary>
/// <param name="A">Harrell's C of the first score (with its standard error).</param>
/// <param name="B">Harrell's C of the second score.</param>
/// <param name="Covariance">2 × 2 covariance of (C_a, C_b), R's <c>vcov(concordance(y ~ a + b))</c>.</param>
/// <param name="Difference">C_a - C_b.</param>
/// <param name="StdError">Standard error of the difference.</param>
/// <param name="Lower">Lower limit of the normal interval of the difference.</param>
/// <param name="Upper">Upper limit.</param>
/// <param name="Z">Difference / StdError.</param>
/// <param name="PValue">Two-sided normal p-value of no difference (NaN when the scores are identical).</param>
/// <param name="Level">Confidence level.</param>
public sealed record ConcordanceComparisonResult(
    ConcordanceResult A, ConcordanceResult B, double[,] Covariance, double Difference, double StdError,
    double Lower, double Upper, double Z, double PValue, double Level) : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new("Paired comparison of Harrell's C",
        ["C(a)", "C(b)", "difference", "se", "lower", "upper", "z", "p"],
        [[A.CIndex, B.CIndex, Difference, StdError, Lower, Upper, Z, PValue]]);
}
