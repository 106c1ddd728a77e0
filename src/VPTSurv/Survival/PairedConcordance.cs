using MathNet.Numerics.Statistics;

namespace VPTSurv.Survival;

/// <summary>
/// Paired bootstrap comparison of two risk scorings of the same subjects by Harrell's C: the difference C(A) − C(B),
/// its percentile interval and a two-sided p-value, from one set of resamples shared by both scorings (so the
/// correlation between them, which is large when both rank the same subjects, is kept rather than ignored).
/// </summary>
/// <remarks>
/// Resampling unit: each subject, or each group when <c>groups</c> is given (e.g. the patient of each slide: the slides
/// of one patient share an outcome and are not independent, so they enter or leave a resample together). A resample
/// draws as many units as there are, with replacement, and takes every subject of each drawn unit.
/// <para>
/// Random draws: a master <see cref="Random"/>(seed) gives one seed per resample; resample b draws its units with
/// <c>new Random(seeds[b]).Next(units)</c>, units numbered in order of first appearance. The result therefore does not
/// depend on thread scheduling, and a plain loop with the same scheme reproduces it exactly.
/// </para>
/// </remarks>
public static class PairedConcordance
{
    /// <summary>
    /// Compares risk <paramref name="riskA"/> with risk <paramref name="riskB"/> (higher = worse) on the same subjects.
    /// </summary>
    /// <param name="time">Follow-up times (finite, &gt; 0).</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="riskA">The first scoring; the difference is C(A) − C(B).</param>
    /// <param name="riskB">The second scoring.</param>
    /// <param name="groups">Optional resampling group of each subject (e.g. patient id); null = each subject alone.</param>
    /// <param name="resamples">Bootstrap resamples (≥ 2).</param>
    /// <param name="level">Confidence level of the percentile interval, in (0, 1).</param>
    /// <param name="seed">Seed of the resampling (recorded in the result).</param>
    /// <exception cref="ArgumentException">Lengths differ, a time is not finite and &gt; 0, a risk is not finite, or a
    /// group is null (the argument and index are named).</exception>
    /// <exception cref="NoComparablePairsException">No pair is comparable on the full data, or fewer than two resamples have one.</exception>
    public static PairedConcordanceResult Compare(
        IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> riskA, IReadOnlyList<double> riskB,
        IReadOnlyList<string>? groups = null, int resamples = 1000, double level = 0.95, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(riskA);
        ArgumentNullException.ThrowIfNull(riskB);
        return Compare(time, eventObserved, [riskA], [riskB], groups, resamples, level, seed, nameof(riskA), nameof(riskB));
    }

    /// <summary>
    /// Compares two sets of scorings of the same subjects — e.g. the seeds of one model against the seeds of another —
    /// by the difference of their mean C: mean over <paramref name="risksA"/> of C minus mean over
    /// <paramref name="risksB"/> of C. Every scoring is evaluated on the same resamples, so the interval reflects the
    /// uncertainty of the test subjects with the runs held fixed (the spread over seeds is a separate figure). With one
    /// scoring on each side this is <see cref="Compare(IReadOnlyList{double}, IReadOnlyList{bool}, IReadOnlyList{double}, IReadOnlyList{double}, IReadOnlyList{string}?, int, double, int)"/>.
    /// </summary>
    /// <param name="time">Follow-up times (finite, &gt; 0).</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="risksA">The scorings of side A (e.g. one per seed); the difference is mean C(A) − mean C(B).</param>
    /// <param name="risksB">The scorings of side B.</param>
    /// <param name="groups">Optional resampling group of each subject (e.g. patient id); null = each subject alone.</param>
    /// <param name="resamples">Bootstrap resamples (≥ 2).</param>
    /// <param name="level">Confidence level of the percentile interval, in (0, 1).</param>
    /// <param name="seed">Seed of the resampling (recorded in the result).</param>
    /// <exception cref="ArgumentException">Lengths differ, a time is not finite and &gt; 0, a risk is not finite, or a
    /// group is null (the argument and index are named).</exception>
    /// <exception cref="NoComparablePairsException">No pair is comparable on the full data, or fewer than two resamples have one.</exception>
    public static PairedConcordanceResult CompareMeans(
        IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved,
        IReadOnlyList<IReadOnlyList<double>> risksA, IReadOnlyList<IReadOnlyList<double>> risksB,
        IReadOnlyList<string>? groups = null, int resamples = 1000, double level = 0.95, int seed = 0) =>
        Compare(time, eventObserved, risksA, risksB, groups, resamples, level, seed, nameof(risksA), nameof(risksB));

    private static PairedConcordanceResult Compare(
        IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved,
        IReadOnlyList<IReadOnlyList<double>> risksA, IReadOnlyList<IReadOnlyList<double>> risksB,
        IReadOnlyList<string>? groups, int resamples, double level, int seed, string nameA, string nameB)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 2);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie in (0, 1).");
        var a = Scorings(risksA, time.Count, nameA);
        var b = Scorings(risksB, time.Count, nameB);
        var t = SurvivalInput.ToArray(time);
        var e = SurvivalInput.ToArray(eventObserved);
        var members = Units(groups, t.Length);

        double cA = MeanC(t, e, a, null) ?? throw NoPairs(t, e);
        double cB = MeanC(t, e, b, null) ?? throw NoPairs(t, e);

        var master = new Random(seed);
        var seeds = Enumerable.Range(0, resamples).Select(_ => master.Next()).ToArray();
        var differences = new double[resamples];
        Parallel.For(0, resamples, r =>
        {
            var rng = new Random(seeds[r]);
            var index = new List<int>(t.Length);
            for (int k = 0; k < members.Length; k++) index.AddRange(members[rng.Next(members.Length)]);
            var idx = index.ToArray();
            var bt = new double[idx.Length];
            var be = new bool[idx.Length];
            for (int k = 0; k < idx.Length; k++) { bt[k] = t[idx[k]]; be[k] = e[idx[k]]; }
            differences[r] = MeanC(bt, be, a, idx) is { } ra && MeanC(bt, be, b, idx) is { } rb ? ra - rb : double.NaN;
        });
        var valid = differences.Where(double.IsFinite).ToArray();
        if (valid.Length < 2)
            throw new NoComparablePairsException($"paired bootstrap: only {valid.Length} of {resamples} resamples had a comparable pair.");
        // Two-sided p: twice the smaller share of resampled differences on either side of 0, with the +1 correction of
        // a Monte Carlo p-value (never exactly 0; its resolution is about 2 / resamples), capped at 1.
        int atOrBelow = valid.Count(d => d <= 0), atOrAbove = valid.Count(d => d >= 0);
        double p = Math.Min(1.0, 2.0 * (Math.Min(atOrBelow, atOrAbove) + 1) / (valid.Length + 1));
        return new PairedConcordanceResult(cA, cB, cA - cB,
            valid.QuantileCustom((1 - level) / 2, QuantileDefinition.R7),
            valid.QuantileCustom((1 + level) / 2, QuantileDefinition.R7),
            valid.StandardDeviation(), p, level, valid.Length, resamples - valid.Length, seed,
            groups is null ? "subject" : "group", members.Length, a.Length, b.Length);
    }

    private static double[][] Scorings(IReadOnlyList<IReadOnlyList<double>> risks, int n, string name)
    {
        ArgumentNullException.ThrowIfNull(risks, name);
        if (risks.Count == 0) throw new ArgumentException($"{name} holds no risk vector.", name);
        var result = new double[risks.Count][];
        for (int s = 0; s < risks.Count; s++)
        {
            string label = risks.Count == 1 ? name : $"{name}[{s}]";
            var r = risks[s] ?? throw new ArgumentNullException(label);
            SurvivalInput.CheckSameLength(n, r.Count, label);
            SurvivalInput.CheckFinite(r, label);
            result[s] = SurvivalInput.ToArray(r);
        }
        return result;
    }

    /// <summary>Subject indices of each resampling unit, units in order of first appearance.</summary>
    private static int[][] Units(IReadOnlyList<string>? groups, int n)
    {
        if (groups is null) return Enumerable.Range(0, n).Select(i => new[] { i }).ToArray();
        SurvivalInput.CheckSameLength(n, groups.Count, nameof(groups));
        var byGroup = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<List<int>>();
        for (int i = 0; i < n; i++)
        {
            var g = groups[i] ?? throw new ArgumentException($"groups[{i}] is null; every subject needs a group.", nameof(groups));
            if (!byGroup.TryGetValue(g, out var list))
            {
                byGroup[g] = list = [];
                order.Add(list);
            }
            list.Add(i);
        }
        return order.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Mean C over the scorings on the subjects <paramref name="index"/> (all when null); null when no pair is comparable.</summary>
    private static double? MeanC(double[] time, bool[] eventObserved, double[][] scorings, int[]? index)
    {
        double sum = 0;
        foreach (var full in scorings)
        {
            double[] risk = index is null ? full : Array.ConvertAll(index, i => full[i]);
            var s = Concordance.Sweep(time, eventObserved, risk, null);
            long comparable = s.Concordant + s.Discordant + s.TiedRisk;
            if (comparable == 0) return null;
            sum += (s.Concordant + 0.5 * s.TiedRisk) / comparable;
        }
        return sum / scorings.Length;
    }

    private static NoComparablePairsException NoPairs(double[] t, bool[] e) => new(
        $"paired comparison: no comparable pair among {t.Length} subjects ({e.Count(x => x)} deaths; a pair needs a death before another subject's time).");
}

/// <summary>A paired bootstrap comparison of two scorings by Harrell's C (see <see cref="PairedConcordance"/>).</summary>
/// <param name="CIndexA">C of scoring A on the full data (the mean over its scorings when several).</param>
/// <param name="CIndexB">C of scoring B on the full data.</param>
/// <param name="Difference">CIndexA − CIndexB.</param>
/// <param name="Lower">Lower percentile bound of the difference ((1 − Level) / 2 quantile of the resampled differences).</param>
/// <param name="Upper">Upper percentile bound ((1 + Level) / 2 quantile).</param>
/// <param name="StdError">Standard deviation of the resampled differences.</param>
/// <param name="PValue">Two-sided bootstrap p-value of "no difference": 2 (min(#{d* ≤ 0}, #{d* ≥ 0}) + 1) / (Resamples + 1), capped at 1.</param>
/// <param name="Level">Confidence level of the interval.</param>
/// <param name="Resamples">Resamples with a comparable pair (those that entered the interval and p).</param>
/// <param name="Skipped">Resamples drawn without any comparable pair (left out).</param>
/// <param name="Seed">Seed of the resampling; the same seed gives the same resamples.</param>
/// <param name="ResamplingUnit">"subject" or "group" (e.g. patients, when slides were grouped by patient).</param>
/// <param name="Units">Number of resampling units (subjects or groups).</param>
/// <param name="ScoringsA">Number of risk vectors averaged on side A (1 for a plain comparison; seeds otherwise).</param>
/// <param name="ScoringsB">Number of risk vectors averaged on side B.</param>
public sealed record PairedConcordanceResult(
    double CIndexA, double CIndexB, double Difference, double Lower, double Upper, double StdError, double PValue,
    double Level, int Resamples, int Skipped, int Seed, string ResamplingUnit, int Units, int ScoringsA, int ScoringsB);
