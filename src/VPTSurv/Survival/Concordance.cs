namespace VPTSurv.Survival;

/// <summary>The O(n log n) pair count behind Harrell's and Uno's C (public entry: <see cref="HarrellConcordance"/>).</summary>
internal static class Concordance
{
    internal static ConcordanceResult HarrellUnchecked(double[] time, bool[] eventObserved, double[] risk, PairOrder? prepared = null)
    {
        if (!TryHarrell(time, eventObserved, risk, out var result, prepared)) throw NoPairs(time, eventObserved);
        return result;
    }

    internal static NoComparablePairsException NoPairs(double[] time, bool[] eventObserved) => new(
        $"Harrell's C is undefined: no comparable pair among {time.Length} subjects " +
        $"({eventObserved.Count(e => e)} deaths; a pair needs a death before another subject's time).");

    internal static bool TryHarrell(double[] time, bool[] eventObserved, double[] risk, out ConcordanceResult result, PairOrder? prepared = null)
    {
        var s = Sweep(time, eventObserved, risk, null, prepared);
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
    internal static PairCounts Sweep(double[] time, bool[] eventObserved, double[] risk, Func<double, double>? deathWeight, PairOrder? prepared = null)
    {
        int n = time.Length;
        var (order, keys, rank, distinct) = prepared ?? PairOrder.Of(time, risk);
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
                else { Fenwick.Add(tree, rank[i]); inTree++; }
            }
            double w = deathWeight is null || deathRanks.Count == 0 ? 1 : deathWeight(keys[stop]);
            foreach (int rk in deathRanks)
            {
                long below = Fenwick.Prefix(tree, rk - 1), atOrBelow = Fenwick.Prefix(tree, rk);
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
            CountTiedDeaths(deathRanks, ref tiedTime, ref tiedBoth);
            foreach (int rk in deathRanks) { Fenwick.Add(tree, rk); inTree++; }
            stop = start - 1;
        }
        return new PairCounts(concordant, discordant, tiedRisk, tiedTime, tiedBoth, wConc, wDisc, wTied);
    }

    /// <summary>
    /// Deaths at one time are not compared with each other: adds their pairs to the tied-in-time count, and those also
    /// tied in risk (same rank) to the tied-in-both count. Sorts <paramref name="deathRanks"/>.
    /// </summary>
    internal static void CountTiedDeaths(List<int> deathRanks, ref long tiedTime, ref long tiedBoth)
    {
        if (deathRanks.Count < 2) return;
        long d = deathRanks.Count, same = 0;
        deathRanks.Sort();
        for (int a = 0; a < deathRanks.Count;)
        {
            int z = a;
            while (z + 1 < deathRanks.Count && deathRanks[z + 1] == deathRanks[a]) z++;
            long k = z - a + 1;
            same += k * (k - 1) / 2;
            a = z + 1;
        }
        tiedBoth += same;
        tiedTime += d * (d - 1) / 2 - same;
    }

    /// <summary>1-based dense ranks of the values (equal values share a rank) and the number of distinct values.</summary>
    internal static int[] DenseRanks(double[] values, out int distinct) => RadixOrder.DenseRanks(values, out distinct);
}

/// <summary>Subjects sorted by time (ascending keys and their indices) and the dense ranks of the risks: computed once, shared by the sweeps.</summary>
internal sealed record PairOrder(int[] Order, double[] Keys, int[] Rank, int Distinct)
{
    public static PairOrder Of(double[] time, double[] risk)
    {
        var keys = new double[time.Length];
        var order = RadixOrder.Of(time, keys);
        var rank = Concordance.DenseRanks(risk, out int distinct);
        return new PairOrder(order, keys, rank, distinct);
    }
}
