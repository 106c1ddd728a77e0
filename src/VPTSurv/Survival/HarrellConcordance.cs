namespace VPTSurv.Survival;

/// <summary>
/// Harrell's concordance index of risk scores (higher = worse) with R's pair rules (see <see cref="ConcordanceResult"/>),
/// its standard error as R's <c>concordance()</c> reports it (infinitesimal jackknife, see
/// <see cref="ConcordanceInfluence"/>), a normal interval, and optionally a percentile bootstrap interval.
/// O(n log n) throughout.
/// </summary>
/// <param name="Level">Confidence level of the intervals.</param>
/// <param name="Bootstrap">Bootstrap settings; null = no bootstrap interval.</param>
public sealed record HarrellConcordance(double Level = 0.95, BootstrapSettings? Bootstrap = null)
{
    /// <summary>C, its counts, standard error and intervals.</summary>
    /// <exception cref="ArgumentException">Lengths differ, a time is not finite and &gt; 0, or a risk is not finite (argument and index named).</exception>
    /// <exception cref="NoComparablePairsException">No pair is comparable (e.g. no death, or a single subject).</exception>
    public ConcordanceResult Fit(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> risk)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        ArgumentNullException.ThrowIfNull(risk);
        SurvivalInput.CheckSameLength(time.Count, risk.Count, nameof(risk));
        SurvivalInput.CheckFinite(risk, nameof(risk));
        SurvivalInput.CheckLevel(Level);
        var t = SurvivalInput.ReadOnlyArray(time);
        var e = SurvivalInput.ReadOnlyArray(eventObserved);
        var r = SurvivalInput.ReadOnlyArray(risk);
        var (counts, variance) = ConcordanceInfluence.Variance(t, e, r) ?? throw Concordance.NoPairs(t, e);
        BootstrapInterval? interval = null;
        if (Bootstrap is { } b)
            interval = b.Intervals([counts.CIndex], t.Length, Level, idx =>
            {
                var bt = new double[idx.Length]; var be = new bool[idx.Length]; var br = new double[idx.Length];
                for (int k = 0; k < idx.Length; k++) { bt[k] = t[idx[k]]; be[k] = e[idx[k]]; br[k] = r[idx[k]]; }
                return [Concordance.HarrellUnchecked(bt, be, br).CIndex];
            })[0];
        return counts with { Variance = variance, Level = Level, Bootstrap = interval };
    }

    /// <summary>C of <paramref name="risk"/> against <paramref name="targets"/>.</summary>
    public ConcordanceResult Fit(SurvivalTargets targets, IReadOnlyList<double> risk)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Fit(targets.Time, targets.EventObserved, risk);
    }
}
