namespace VPTSurv.Survival;

/// <summary>
/// Harrell's concordance and its pair counts, with the pair rules of R's <c>survival::concordance</c>: a pair is
/// comparable when the shorter time is an event, or both times are equal and only one is an event (the censored
/// subject outlives); a comparable pair is concordant when the earlier death has the higher risk, and a tie in risk
/// counts one half. Two deaths at the same time are not compared (counted in <see cref="TiedTime"/> /
/// <see cref="TiedTimeAndRisk"/>, R's <c>tied.y</c> / <c>tied.xy</c>).
/// </summary>
/// <param name="CIndex">(Concordant + TiedRisk / 2) / Comparable.</param>
/// <param name="Concordant">Comparable pairs where the earlier death has the higher risk.</param>
/// <param name="Discordant">Comparable pairs where the earlier death has the lower risk.</param>
/// <param name="TiedRisk">Comparable pairs with equal risk (R's <c>tied.x</c>).</param>
/// <param name="TiedTime">Pairs of deaths at the same time with different risk (R's <c>tied.y</c>); not comparable.</param>
/// <param name="TiedTimeAndRisk">Pairs of deaths at the same time with equal risk (R's <c>tied.xy</c>); not comparable.</param>
public sealed record ConcordanceResult(
    double CIndex, long Concordant, long Discordant, long TiedRisk, long TiedTime, long TiedTimeAndRisk) : ISurvivalResult
{
    /// <summary>Number of comparable pairs: Concordant + Discordant + TiedRisk.</summary>
    public long Comparable => Concordant + Discordant + TiedRisk;

    /// <summary>Infinitesimal-jackknife variance of C, R's <c>concordance()$var</c> (NaN when not computed).</summary>
    public double Variance { get; init; } = double.NaN;

    /// <summary>Standard error of C, sqrt(<see cref="Variance"/>) (R's <c>std.err</c>).</summary>
    public double StdError => Math.Sqrt(Variance);

    /// <summary>Confidence level of <see cref="Lower"/> / <see cref="Upper"/>.</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>Lower limit of the normal (Wald) interval C - z·se.</summary>
    public double Lower => CIndex - Z * StdError;

    /// <summary>Upper limit of the normal (Wald) interval C + z·se.</summary>
    public double Upper => CIndex + Z * StdError;

    /// <summary>Percentile bootstrap interval, when one was asked for (<see cref="HarrellConcordance.Bootstrap"/>).</summary>
    public BootstrapInterval? Bootstrap { get; init; }

    private double Z => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);

    /// <inheritdoc />
    public SurvivalTable Summary => new("Harrell's C",
        ["C", "se", "lower", "upper", "comparable", "concordant", "discordant", "tied risk", "boot lower", "boot upper"],
        [[CIndex, StdError, Lower, Upper, (double)Comparable, (double)Concordant, (double)Discordant, (double)TiedRisk,
          Bootstrap?.Lower ?? double.NaN, Bootstrap?.Upper ?? double.NaN]]);
}
