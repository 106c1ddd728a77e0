using System.Buffers;

namespace VPTSurv.Survival;

/// <summary>
/// R's infinitesimal-jackknife variance of Harrell's C (<c>survival:::concordancefit</c>, timewt = "n"): each
/// subject's influence is the number of concordant, discordant and risk-tied comparable pairs it belongs to (as the
/// earlier death or as the later subject), and with N = C + D + T and Somers' d = (C - D) / N
/// <code>
///   dfbeta_i = (c_i - d_i) / N - d / N · (c_i + d_i + t_i),     var(C) = Σ dfbeta_i² / 4
/// </code>
/// One descending sweep over time, O(n log n): a Fenwick tree over the risk ranks holds, packed in one 64-bit count,
/// everyone already passed (later times) and the deaths among them. A death's later subjects are read from the first
/// count; its (and a censored subject's) earlier deaths are all deaths of the rank range minus the deaths already
/// passed, from the second count and a static count of deaths by rank — one tree walk per query, two per subject.
/// </summary>
internal static class ConcordanceInfluence
{
    private const long Low = 0xFFFF_FFFFL, Death = (1L << 32) | 1, Censored = 1;

    /// <summary>dfbeta of Somers' d for every subject (sign as R with reverse = TRUE).</summary>
    /// <exception cref="NoComparablePairsException">No pair is comparable.</exception>
    public static double[] Dfbeta(double[] time, bool[] ev, double[] risk, PairOrder? prepared = null)
    {
        var (order, keys, rankOf, distinct) = prepared ?? PairOrder.Of(time, risk);
        int n = ev.Length;
        var packed = new int[n];
        for (int s = 0; s < n; s++) packed[s] = Pack(rankOf[order[s]], ev[order[s]]);
        return (Compute(keys, packed, n, distinct, order) ?? throw Concordance.NoPairs(time, ev)).Dfbeta!;
    }

    /// <summary>Harrell's pair counts and var(C) (no per-subject output). Null when no pair is comparable.</summary>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static (ConcordanceResult Counts, double Variance)? Variance(double[] time, bool[] ev, double[] risk)
    {
        // The risk ranks with the events packed beside them are the payload of the sort by time: the sweep then
        // reads everything in sequence.
        int n = time.Length;
        var packed = ArrayPool<int>.Shared.Rent(n);
        var keys = ArrayPool<double>.Shared.Rent(n);
        try
        {
            int distinct = RadixOrder.DenseRanks(risk, packed);
            for (int i = 0; i < n; i++) packed[i] = Pack(packed[i], ev[i]);
            RadixOrder.WithPayload(time, packed, keys);
            return Compute(keys, packed, n, distinct, null) is { } r ? (r.Counts, r.Variance) : null;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(packed);
            ArrayPool<double>.Shared.Return(keys);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Pack(int rank, bool death) => rank << 1 | (death ? 1 : 0);

    /// <summary>
    /// Harrell's pair counts (as <see cref="Concordance.Sweep"/>), var(C) = Σ dfbeta² / 4 (from exact integer sums of
    /// each subject's c - d and c + d + t), and every subject's dfbeta when asked. Null when no pair is comparable.
    /// </summary>
    private static (ConcordanceResult Counts, double Variance, double[]? Dfbeta)? Compute(double[] keys, int[] packed, int n, int distinct, int[]? order)
    {
        var deathsAt = ArrayPool<int>.Shared.Rent(distinct + 1);
        var deathsUpTo = ArrayPool<int>.Shared.Rent(distinct + 1);
        var tree = ArrayPool<long>.Shared.Rent(distinct + 1);
        var at = ArrayPool<long>.Shared.Rent(distinct + 1);
        try { return Compute(keys, packed, n, distinct, order, deathsAt, deathsUpTo, tree, at); }
        finally
        {
            ArrayPool<int>.Shared.Return(deathsAt);
            ArrayPool<int>.Shared.Return(deathsUpTo);
            ArrayPool<long>.Shared.Return(tree);
            ArrayPool<long>.Shared.Return(at);
        }
    }

    /// <param name="keys">Times ascending (first n entries).</param>
    /// <param name="packed">Per subject in that order: its risk rank (1-based, dense) times 2, plus 1 for a death.</param>
    /// <param name="n">Subjects.</param>
    /// <param name="distinct">Distinct risk ranks.</param>
    /// <param name="order">The subject of each sweep position, when dfbeta is wanted (null = variance only).</param>
    /// <param name="deathsAt">Scratch, at least distinct + 1 long (as the three below).</param>
    /// <param name="deathsUpTo">Scratch.</param>
    /// <param name="tree">Scratch.</param>
    /// <param name="at">Scratch.</param>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (ConcordanceResult Counts, double Variance, double[]? Dfbeta)? Compute(
        double[] keys, int[] packed, int n, int distinct, int[]? order, int[] deathsAt, int[] deathsUpTo, long[] tree, long[] at)
    {
        // Deaths by risk rank: at each rank, and at or below it.
        Array.Clear(deathsAt, 0, distinct + 1);
        Array.Clear(tree, 0, distinct + 1);
        Array.Clear(at, 0, distinct + 1);
        long totalDeaths = 0;
        for (int s = 0; s < n; s++)
            if ((packed[s] & 1) != 0) { deathsAt[packed[s] >> 1]++; totalDeaths++; }
        deathsUpTo[0] = 0;
        for (int r = 1; r <= distinct; r++) deathsUpTo[r] = deathsUpTo[r - 1] + deathsAt[r];
        var cdOut = order is not null ? new int[n] : null;
        var totOut = order is not null ? new int[n] : null;
        var blockRank = new int[16];
        var blockSlot = new int[16];
        var blockBase = new long[16];
        var blockIndex = new int[16];
        long inTree = 0, deathsPassed = 0, concordant = 0, discordant = 0, tiedRisk = 0, tiedTime = 0, tiedBoth = 0;
        Int128 scc = 0, sct = 0, stt = 0;
        for (int stop = n - 1; stop >= 0;)
        {
            int start = stop;
            while (start > 0 && keys[start - 1] == keys[stop]) start--;
            // Censored subjects at this time enter first (they outlive its deaths). Each is the later member for every
            // death at or before its time: the deaths of its rank range not yet passed.
            long earlierForCensored = totalDeaths - deathsPassed;
            int d = 0;
            for (int s = start; s <= stop; s++)
            {
                int rk = packed[s] >> 1;
                if ((packed[s] & 1) != 0)
                {
                    if (d == blockRank.Length)
                    {
                        Array.Resize(ref blockRank, 2 * d);
                        Array.Resize(ref blockSlot, 2 * d);
                        Array.Resize(ref blockBase, 2 * d);
                        Array.Resize(ref blockIndex, 2 * d);
                    }
                    (blockRank[d], blockSlot[d], blockIndex[d]) = (rk, s, d);
                    d++;
                    continue;
                }
                long below = deathsUpTo[rk - 1] - (Prefix(tree, rk - 1) >> 32), same = deathsAt[rk] - (at[rk] >> 32);
                long cd = earlierForCensored - 2 * below - same, tot = earlierForCensored;
                Accumulate(cd, tot, ref scc, ref sct, ref stt);
                if (cdOut is not null) (cdOut[s], totOut![s]) = ((int)cd, (int)tot);
                Add(tree, at, rk, Censored);
                inTree++;
            }
            if (d > 0)
            {
                // A death is the earlier member for everyone passed (and the censored at its time), and the later
                // member for the deaths strictly before its time: those of its rank range not passed, minus the
                // deaths tied with it in time (counted below, once the block's ranks are sorted).
                long earlierForDeath = totalDeaths - deathsPassed - d;
                for (int j = 0; j < d; j++)
                {
                    int rk = blockRank[j];
                    long prefix = Prefix(tree, rk - 1), here = at[rk];
                    long below = prefix & Low, same = here & Low, above = inTree - below - same;
                    concordant += below;
                    tiedRisk += same;
                    discordant += above;
                    long earlierBelow = deathsUpTo[rk - 1] - (prefix >> 32), earlierSame = deathsAt[rk] - (here >> 32);
                    blockBase[j] = below - above + earlierForDeath - 2 * earlierBelow - earlierSame;
                }
                // Tied deaths: sorted by rank, the deaths below a death's rank and at it; pairs among them are tied in
                // time (and in risk when the ranks are equal).
                var ranks = blockRank.AsSpan(0, d);
                var index = blockIndex.AsSpan(0, d);
                SortByRank(ranks, index);
                long sameBoth = 0;
                long tot = inTree + earlierForDeath;
                for (int a = 0; a < d;)
                {
                    int z = a;
                    while (z + 1 < d && ranks[z + 1] == ranks[a]) z++;
                    long k = z - a + 1;
                    sameBoth += k * (k - 1) / 2;
                    for (int j = a; j <= z; j++)
                    {
                        int s = blockSlot[index[j]];
                        long cd = blockBase[index[j]] + 2 * a + k;
                        Accumulate(cd, tot, ref scc, ref sct, ref stt);
                        if (cdOut is not null) (cdOut[s], totOut![s]) = ((int)cd, (int)tot);
                    }
                    a = z + 1;
                }
                tiedBoth += sameBoth;
                tiedTime += (long)d * (d - 1) / 2 - sameBoth;
                for (int j = 0; j < d; j++) Add(tree, at, ranks[j], Death);
                inTree += d;
                deathsPassed += d;
            }
            stop = start - 1;
        }
        long comparable = concordant + discordant + tiedRisk;
        if (comparable == 0) return null;
        var counts = new ConcordanceResult((concordant + 0.5 * tiedRisk) / comparable, concordant, discordant, tiedRisk, tiedTime, tiedBoth);
        // Σ (N cd - (C - D) tot)² / (4 N⁴), its numerator exact.
        System.Numerics.BigInteger nn = comparable, cmd = concordant - discordant;
        var numerator = nn * nn * (System.Numerics.BigInteger)scc - 2 * nn * cmd * (System.Numerics.BigInteger)sct
            + cmd * cmd * (System.Numerics.BigInteger)stt;
        double npair = comparable;
        double variance = (double)numerator / 4 / (npair * npair) / (npair * npair);
        double[]? dfbeta = null;
        if (order is not null)
        {
            double somers = (concordant - discordant) / npair;
            dfbeta = new double[n];
            for (int s = 0; s < n; s++) dfbeta[order[s]] = cdOut![s] / npair - somers / npair * totOut![s];
        }
        return (counts, variance, dfbeta);
    }

    /// <summary>
    /// Sorts the block's death ranks, carrying their indices: Shell sort (Ciura's gaps; gap 1 is insertion sort, all
    /// a few tied deaths need), compiled with the sweep — no generic sort instantiation that would first run
    /// unoptimised.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void SortByRank(Span<int> ranks, Span<int> index)
    {
        ReadOnlySpan<int> gaps = [1750, 701, 301, 132, 57, 23, 10, 4, 1];
        int n = ranks.Length;
        int gap = n * 4 / 9;   // beyond Ciura's list: h = 2.25 h' keeps the sequence's growth
        while (gap > 1750)
        {
            ShellPass(ranks, index, gap);
            gap = gap * 4 / 9;
        }
        foreach (int g in gaps)
            if (g < n) ShellPass(ranks, index, g);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ShellPass(Span<int> ranks, Span<int> index, int gap)
    {
        for (int i = gap; i < ranks.Length; i++)
        {
            int r = ranks[i], x = index[i], j = i - gap;
            for (; j >= 0 && ranks[j] > r; j -= gap) (ranks[j + gap], index[j + gap]) = (ranks[j], index[j]);
            (ranks[j + gap], index[j + gap]) = (r, x);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(long cd, long tot, ref Int128 scc, ref Int128 sct, ref Int128 stt)
    {
        // |cd|, tot <= n < 2^31: each product fits in 64 bits; the sums may not.
        scc += cd * cd;
        sct += cd * tot;
        stt += tot * tot;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Add(long[] tree, long[] at, int rank, long value)
    {
        at[rank] += value;
        for (int i = rank; i < tree.Length; i += i & -i) tree[i] += value;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static long Prefix(long[] tree, int i)
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
