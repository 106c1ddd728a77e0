namespace VPTSurv.Survival;

/// <summary>
/// R's infinitesimal-jackknife variance of Harrell's C (<c>survival:::concordancefit</c>, timewt = "n"): each
/// subject's influence is the number of concordant, discordant and risk-tied comparable pairs it belongs to (as the
/// earlier death or as the later subject), and with N = C + D + T and Somers' d = (C - D) / N
/// <code>
///   dfbeta_i = (c_i - d_i) / N - d / N · (c_i + d_i + t_i),     var(C) = Σ dfbeta_i² / 4
/// </code>
/// Both passes are O(n log n): a descending sweep counts each death's later subjects by risk rank (Fenwick tree),
/// an ascending sweep counts each subject's earlier deaths.
/// </summary>
internal static class ConcordanceInfluence
{
    /// <summary>dfbeta of Somers' d for every subject (sign as R with reverse = TRUE).</summary>
    /// <exception cref="NoComparablePairsException">No pair is comparable.</exception>
    public static double[] Dfbeta(double[] time, bool[] ev, double[] risk, PairOrder? prepared = null) =>
        (Compute(time, ev, risk, prepared ?? PairOrder.Of(time, risk)) ?? throw Concordance.NoPairs(time, ev)).Dfbeta;

    /// <summary>
    /// Harrell's pair counts (as <see cref="Concordance.Sweep"/>) and every subject's dfbeta in one descending and one
    /// ascending sweep. Each query is one Fenwick prefix below the risk rank plus the exact count at the rank (kept
    /// beside the tree), so a death costs one tree walk, not two. Null when no pair is comparable.
    /// </summary>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static (ConcordanceResult Counts, double[] Dfbeta)? Compute(double[] time, bool[] ev, double[] risk, PairOrder prepared)
    {
        int n = time.Length;
        var (order, keys, rankOf, distinct) = prepared;
        // Everything per subject is kept in sweep (time) order, so both sweeps read memory in sequence; dfbeta goes
        // back to subject order at the end.
        var rank = new int[n];
        var dies = new bool[n];
        for (int s = 0; s < n; s++) { rank[s] = rankOf[order[s]]; dies[s] = ev[order[s]]; }
        var c = new double[n];
        var d = new double[n];
        var t = new double[n];

        // Descending: a death at time s is compared with everyone whose time is > s, or = s and censored.
        var tree = new int[distinct + 1];
        var at = new int[distinct + 1];
        long inTree = 0, concordant = 0, discordant = 0, tiedRisk = 0, tiedTime = 0, tiedBoth = 0;
        var deathRanks = new List<int>();
        for (int stop = n - 1; stop >= 0;)
        {
            int start = stop;
            while (start > 0 && keys[start - 1] == keys[stop]) start--;
            for (int s = start; s <= stop; s++)
                if (!dies[s]) { Add(tree, at, rank[s]); inTree++; }
            deathRanks.Clear();
            for (int s = start; s <= stop; s++)
            {
                if (!dies[s]) continue;
                int rk = rank[s];
                long below = Prefix(tree, rk - 1), same = at[rk], above = inTree - below - same;
                c[s] += below; t[s] += same; d[s] += above;
                concordant += below; tiedRisk += same; discordant += above;
                deathRanks.Add(rk);
            }
            Concordance.CountTiedDeaths(deathRanks, ref tiedTime, ref tiedBoth);
            foreach (int rk in deathRanks) { Add(tree, at, rk); inTree++; }
            stop = start - 1;
        }
        long comparable = concordant + discordant + tiedRisk;
        if (comparable == 0) return null;
        var counts = new ConcordanceResult((concordant + 0.5 * tiedRisk) / comparable, concordant, discordant, tiedRisk, tiedTime, tiedBoth);

        // Ascending: a subject at time s is the later member for every death before s (and at s when it is censored).
        Array.Clear(tree);
        Array.Clear(at);
        inTree = 0;
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && keys[stop + 1] == keys[start]) stop++;
            for (int pass = 0; pass < 2; pass++)
            {
                // pass 0: deaths at s see the deaths strictly before s; then the deaths at s enter; pass 1: censored.
                for (int s = start; s <= stop; s++)
                {
                    if (dies[s] != (pass == 0)) continue;
                    int rk = rank[s];
                    long below = Prefix(tree, rk - 1), same = at[rk];
                    c[s] += inTree - below - same; t[s] += same; d[s] += below;
                }
                if (pass == 0)
                    for (int s = start; s <= stop; s++)
                        if (dies[s]) { Add(tree, at, rank[s]); inTree++; }
            }
            start = stop + 1;
        }

        double npair = comparable;
        double somers = (concordant - discordant) / npair;
        var dfbeta = new double[n];
        for (int s = 0; s < n; s++) dfbeta[order[s]] = (c[s] - d[s]) / npair - somers / npair * (c[s] + d[s] + t[s]);
        return (counts, dfbeta);
    }

    private static void Add(int[] tree, int[] at, int rank)
    {
        at[rank]++;
        for (int i = rank; i < tree.Length; i += i & -i) tree[i]++;
    }

    private static long Prefix(int[] tree, int i)
    {
        long s = 0;
        for (; i > 0; i -= i & -i) s += tree[i];
        return s;
    }
}

/// <summary>Fenwick tree over 1-based ranks: point add, prefix count.</summary>
internal static class Fenwick
{
    public static void Add(long[] tree, int i)
    {
        for (; i < tree.Length; i += i & -i) tree[i]++;
    }

    public static long Prefix(long[] tree, int i)
    {
        long s = 0;
        for (; i > 0; i -= i & -i) s += tree[i];
        return s;
    }
}
