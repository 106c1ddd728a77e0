using MathNet.Numerics.Statistics;

namespace VPTSurv.Survival;

/// <summary>Harrell's concordance index in O(n log n), with R's pair rules, and its bootstrap interval.</summary>
public static class Concordance
{
    /// <summary>
    /// Harrell's C of risk scores (higher = worse) against right-censored times; see <see cref="ConcordanceResult"/>
    /// for the pair rules. Risks are compared exactly (no tolerance), as R does. O(n log n): subjects are swept from
    /// the longest time down while a Fenwick tree over risk ranks counts the subjects known to outlive each death.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, a time is not finite and &gt; 0, or a risk is not finite (index named).</exception>
    /// <exception cref="NoComparablePairsException">No pair is comparable (e.g. no death, or a single subject).</exception>
    public static ConcordanceResult Harrell(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> risk)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        ArgumentNullException.ThrowIfNull(risk);
        SurvivalInput.CheckSameLength(time.Count, risk.Count, nameof(risk));
        SurvivalInput.CheckFinite(risk, nameof(risk));
        return HarrellUnchecked(SurvivalInput.ToArray(time), SurvivalInput.ToArray(eventObserved), SurvivalInput.ToArray(risk));
    }

    /// <summary>Harrell's C of <paramref name="risk"/> against <paramref name="targets"/>.</summary>
    public static ConcordanceResult Harrell(SurvivalTargets targets, IReadOnlyList<double> risk)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Harrell(targets.Time, targets.EventObserved, risk);
    }

    /// <summary>
    /// Percentile bootstrap interval of Harrell's C: subjects are resampled with replacement
    /// <paramref name="resamples"/> times; resamples with no comparable pair are skipped and counted. Deterministic
    /// for a given <paramref name="seed"/> (independent of thread scheduling).
    /// </summary>
    public static ConcordanceInterval Bootstrap(
        IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> risk,
        int resamples = 1000, double level = 0.95, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 2);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie in (0, 1).");
        var estimate = Harrell(time, eventObserved, risk).CIndex;
        var t = SurvivalInput.ToArray(time);
        var e = SurvivalInput.ToArray(eventObserved);
        var r = SurvivalInput.ToArray(risk);
        int n = t.Length;
        var master = new Random(seed);
        var seeds = Enumerable.Range(0, resamples).Select(_ => master.Next()).ToArray();
        var values = new double[resamples];
        Parallel.For(0, resamples, b =>
        {
            var rng = new Random(seeds[b]);
            var bt = new double[n];
            var be = new bool[n];
            var br = new double[n];
            for (int k = 0; k < n; k++)
            {
                int i = rng.Next(n);
                bt[k] = t[i]; be[k] = e[i]; br[k] = r[i];
            }
            values[b] = TryHarrell(bt, be, br, out var c) ? c.CIndex : double.NaN;
        });
        var valid = values.Where(double.IsFinite).ToArray();
        if (valid.Length < 2)
            throw new NoComparablePairsException($"bootstrap: only {valid.Length} of {resamples} resamples had a comparable pair.");
        return new ConcordanceInterval(
            estimate,
            valid.QuantileCustom((1 - level) / 2, QuantileDefinition.R7),
            valid.QuantileCustom((1 + level) / 2, QuantileDefinition.R7),
            valid.StandardDeviation(),
            level, valid.Length, resamples - valid.Length);
    }

    internal static ConcordanceResult HarrellUnchecked(double[] time, bool[] eventObserved, double[] risk)
    {
        if (!TryHarrell(time, eventObserved, risk, out var result))
            throw new NoComparablePairsException(
                $"Harrell's C is undefined: no comparable pair among {time.Length} subjects " +
                $"({eventObserved.Count(e => e)} deaths; a pair needs a death before another subject's time).");
        return result;
    }

    private static bool TryHarrell(double[] time, bool[] eventObserved, double[] risk, out ConcordanceResult result)
    {
        var s = Sweep(time, eventObserved, risk, null);
        long comparable = s.Concordant + s.Discordant + s.TiedRisk;
        result = new ConcordanceResult(
            comparable == 0 ? double.NaN : (s.Concordant + 0.5 * s.TiedRisk) / comparable,
            s.Concordant, s.Discordant, s.TiedRisk, s.TiedTime, s.TiedTimeAndRisk);
        return comparable > 0;
    }

    /// <summary>Pair counts of one sweep; the weighted sums weight every pair by the weight of its earlier death.</summary>
    internal readonly record struct PairCounts(
        long Concordant, long Discordant, long TiedRisk, long TiedTime, long TiedTimeAndRisk,
        double WeightedConcordant, double WeightedDiscordant, double WeightedTiedRisk);

    /// <summary>
    /// The O(n log n) pair count. Subjects are swept by time descending; within one time, censored subjects enter the
    /// tree before the deaths are queried (they outlive them) and deaths enter after (deaths at the same time are
    /// not compared). <paramref name="deathWeight"/> (optional) gives each death's pair weight from its time.
    /// </summary>
    internal static PairCounts Sweep(double[] time, bool[] eventObserved, double[] risk, Func<double, double>? deathWeight)
    {
        int n = time.Length;
        var rank = DenseRanks(risk, out int distinct);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = (double[])time.Clone();
        Array.Sort(keys, order);
        var tree = new long[distinct + 1];
        long inTree = 0, concordant = 0, discordant = 0, tiedRisk = 0, tiedTime = 0, tiedBoth = 0;
        double wConc = 0, wDisc = 0, wTied = 0;
        var deathRanks = new List<int>();
        for (int stop = n - 1; stop >= 0;)
        {
            int start = stop;
            while (start > 0 && keys[start - 1] == keys[stop]) start--;
            deathRanks.Clear();
            for (int s = start; s <= stop; s++)
            {
                int i = order[s];
                if (eventObserved[i]) deathRanks.Add(rank[i]);
                else { Add(tree, rank[i]); inTree++; }
            }
            double w = deathWeight is null || deathRanks.Count == 0 ? 1 : deathWeight(keys[stop]);
            foreach (int rk in deathRanks)
            {
                long below = Prefix(tree, rk - 1), atOrBelow = Prefix(tree, rk);
                concordant += below;
                tiedRisk += atOrBelow - below;
                discordant += inTree - atOrBelow;
                if (deathWeight is not null && w != 0)
                {
                    wConc += w * below;
                    wTied += w * (atOrBelow - below);
                    wDisc += w * (inTree - atOrBelow);
                }
            }
            if (deathRanks.Count > 1)
            {
                long d = deathRanks.Count;
                deathRanks.Sort();
                long same = 0;
                for (int a = 0; a < deathRanks.Count;)
                {
                    int z = a;
                    while (z + 1 < deathRanks.Count && deathRanks[z + 1] == deathRanks[a]) z++;
                    long c = z - a + 1;
                    same += c * (c - 1) / 2;
                    a = z + 1;
                }
                tiedBoth += same;
                tiedTime += d * (d - 1) / 2 - same;
            }
            foreach (int rk in deathRanks) { Add(tree, rk); inTree++; }
            stop = start - 1;
        }
        return new PairCounts(concordant, discordant, tiedRisk, tiedTime, tiedBoth, wConc, wDisc, wTied);
    }

    /// <summary>1-based dense ranks of the values (equal values share a rank) and the number of distinct values.</summary>
    internal static int[] DenseRanks(double[] values, out int distinct)
    {
        int n = values.Length;
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        var keys = (double[])values.Clone();
        Array.Sort(keys, idx);
        var rank = new int[n];
        distinct = 0;
        for (int s = 0; s < n; s++)
        {
            if (s == 0 || keys[s] != keys[s - 1]) distinct++;
            rank[idx[s]] = distinct;
        }
        return rank;
    }

    // Fenwick tree over 1-based ranks: point add, prefix count.
    private static void Add(long[] tree, int i)
    {
        for (; i < tree.Length; i += i & -i) tree[i]++;
    }

    private static long Prefix(long[] tree, int i)
    {
        long s = 0;
        for (; i > 0; i -= i & -i) s += tree[i];
        return s;
    }
}
