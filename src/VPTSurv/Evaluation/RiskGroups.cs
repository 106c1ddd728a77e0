using VPTSurv.Survival;

namespace VPTSurv.Evaluation;

/// <summary>
/// Kaplan–Meier curves of the high- and low-risk groups, split at the training set's median risk (a cut fixed before
/// looking at the evaluated split), with the log-rank test and the Cox hazard ratio of high versus low.
/// </summary>
/// <param name="Threshold">The training median risk; risk above it is "high".</param>
/// <param name="High">Kaplan–Meier of the high-risk group (null when it is empty).</param>
/// <param name="Low">Kaplan–Meier of the low-risk group (null when it is empty).</param>
/// <param name="HighCount">Subjects in the high-risk group.</param>
/// <param name="LowCount">Subjects in the low-risk group.</param>
/// <param name="LogRankP">Log-rank p-value (NaN when a group is empty or has no expected death).</param>
/// <param name="HazardRatio">Cox hazard ratio high / low (NaN when not estimable).</param>
/// <param name="HazardRatioLower">Lower bound of its interval.</param>
/// <param name="HazardRatioUpper">Upper bound of its interval.</param>
public sealed record RiskGroups(double Threshold, KaplanMeierResult? High, KaplanMeierResult? Low, int HighCount, int LowCount,
    double LogRankP, double HazardRatio, double HazardRatioLower, double HazardRatioUpper)
{
    /// <summary>Why a statistic is missing ("hazard ratio: not computed (reason)"); empty when all were computed.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Label of the group at or below the cut.</summary>
    public const string LowLabel = "low risk";

    /// <summary>Label of the group above the cut.</summary>
    public const string HighLabel = "high risk";

    /// <summary>
    /// The cut between the groups: the median (R's type 7, which averages the two middle values of an even count) of
    /// the training split's risks, fixed before the evaluated split is looked at.
    /// </summary>
    /// <exception cref="ArgumentException">When there is no risk.</exception>
    public static double MedianCut(IEnumerable<double> trainingRisk)
    {
        ArgumentNullException.ThrowIfNull(trainingRisk);
        var sorted = trainingRisk.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("No training risk to take the median cut from.", nameof(trainingRisk));
        return MathNet.Numerics.Statistics.Statistics.QuantileCustom(sorted, 0.5, MathNet.Numerics.Statistics.QuantileDefinition.R7);
    }

    /// <summary>Whether a subject is in the high-risk group: its risk is above the cut.</summary>
    public static bool IsHigh(double risk, double threshold) => risk > threshold;

    /// <summary><see cref="HighLabel"/> or <see cref="LowLabel"/> for each risk, split at <paramref name="threshold"/>.</summary>
    public static string[] Labels(IEnumerable<double> risk, double threshold)
    {
        ArgumentNullException.ThrowIfNull(risk);
        return [.. risk.Select(r => IsHigh(r, threshold) ? HighLabel : LowLabel)];
    }

    /// <summary>Splits <paramref name="targets"/> by <paramref name="risk"/> &gt; <paramref name="threshold"/>.</summary>
    public static RiskGroups Compute(SurvivalTargets targets, IReadOnlyList<double> risk, double threshold)
    {
        var group = risk.Select(r => IsHigh(r, threshold) ? 1 : 0).ToArray();
        var high = Enumerable.Range(0, group.Length).Where(i => group[i] == 1).ToArray();
        var low = Enumerable.Range(0, group.Length).Where(i => group[i] == 0).ToArray();
        var km = new KaplanMeier();
        KaplanMeierResult? Fit(int[] idx) => idx.Length == 0 ? null : km.Fit(targets.Subset(idx));
        double p = double.NaN, hr = double.NaN, lo = double.NaN, hi = double.NaN;
        var notes = new List<string>();
        if (high.Length == 0 || low.Length == 0)
            notes.Add($"log-rank test and hazard ratio: not computed (every subject is in the {(high.Length == 0 ? "low" : "high")}-risk group)");
        else if (targets.EventCount == 0)
            notes.Add("log-rank test and hazard ratio: not computed (no observed death)");
        else
        {
            try { p = new LogRankTest().Fit(targets, group).PValue; }
            catch (ArgumentException e) { notes.Add($"log-rank test: not computed ({e.Message})"); }
            if (Separated(targets, group))
                notes.Add("hazard ratio: not computed (the risk groups separate completely: no death in one group happens while anyone of the other is at risk, so the Cox estimate is infinite)");
            else try
            {
                var fit = new CoxRegression().Fit(group.Select(g => new double[] { g }).ToList(), targets.Time, targets.EventObserved, ["high"]);
                if (fit.Converged) (hr, lo, hi) = (fit.HazardRatios[0], fit.Lower[0], fit.Upper[0]);
                else notes.Add($"hazard ratio: not computed (the Cox fit did not converge in {fit.Iterations} iterations; the groups may separate completely)");
            }
            catch (ArgumentException e) { notes.Add($"hazard ratio: not computed ({e.Message})"); }
        }
        return new RiskGroups(threshold, Fit(high), Fit(low), high.Length, low.Length, p, hr, lo, hi) { Notes = notes };
    }

    /// <summary>
    /// Whether a binary covariate separates the deaths: the Cox likelihood then grows without bound as the coefficient
    /// goes to ±∞, because every death of one group comes when no member of the other group is at risk.
    /// </summary>
    private static bool Separated(SurvivalTargets targets, int[] group)
    {
        bool lowDeathWithHighAtRisk = false, highDeathWithLowAtRisk = false;
        for (int i = 0; i < group.Length; i++)
        {
            if (!targets.EventObserved[i]) continue;
            for (int j = 0; j < group.Length; j++)
            {
                if (group[j] == group[i] || targets.Time[j] < targets.Time[i]) continue;
                if (group[i] == 0) lowDeathWithHighAtRisk = true;
                else highDeathWithLowAtRisk = true;
            }
        }
        return !lowDeathWithHighAtRisk || !highDeathWithLowAtRisk;
    }
}
