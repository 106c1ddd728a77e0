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
    public static double[] Dfbeta(double[] time, bool[] ev, double[] risk, ConcordanceResult counts, PairOrder? prepared = null)
    {
        int n = time.Length;
        var c = new double[n];
        var d = new double[n];
        var t = new double[n];
        var (order, keys, rank, distinct) = prepared ?? PairOrder.Of(time, risk);

        // Descending: a death at time s is compared with everyone whose time is > s, or = s and censored.
        var tree = new long[distinct + 1];
        long inTree = 0;
        for (int stop = n - 1; stop >= 0;)
        {
            int start = stop;
            while (start > 0 && keys[start - 1] == keys[stop]) start--;
            for (int s = start; s <= stop; s++)
                if (!ev[order[s]]) { Fenwick.Add(tree, rank[order[s]]); inTree++; }
            for (int s = start; s <= stop; s++)
            {
                int i = order[s];
                if (!ev[i]) continue;
                long below = Fenwick.Prefix(tree, rank[i] - 1), atOrBelow = Fenwick.Prefix(tree, rank[i]);
                c[i] += below; t[i] += atOrBelow - below; d[i] += inTree - atOrBelow;
            }
            for (int s = start; s <= stop; s++)
                if (ev[order[s]]) { Fenwick.Add(tree, rank[order[s]]); inTree++; }
            stop = start - 1;
        }

        // Ascending: a subject at time s is the later member for every death before s (and at s when it is censored).
        Array.Clear(tree);
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
                    int i = order[s];
                    if (ev[i] != (pass == 0)) continue;
                    long below = Fenwick.Prefix(tree, rank[i] - 1), atOrBelow = Fenwick.Prefix(tree, rank[i]);
                    c[i] += inTree - atOrBelow; t[i] += atOrBelow - below; d[i] += below;
                }
                if (pass == 0)
                    for (int s = start; s <= stop; s++)
                        if (ev[order[s]]) { Fenwick.Add(tree, rank[order[s]]); inTree++; }
            }
            start = stop + 1;
        }

        double npair = counts.Comparable;
        double somers = (counts.Concordant - counts.Discordant) / npair;
        var dfbeta = new double[n];
        for (int i = 0; i < n; i++) dfbeta[i] = (c[i] - d[i]) / npair - somers / npair * (c[i] + d[i] + t[i]);
        return dfbeta;
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
