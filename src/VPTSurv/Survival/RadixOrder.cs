using System.Buffers;

namespace VPTSurv.Survival;

/// <summary>
/// A stable O(n) sort of finite doubles for the sweeps of this folder: the indices of the keys in ascending (or
/// descending) order, equal keys in index order — the order of a stable <c>OrderBy</c>, without a comparer. LSD radix
/// sort on the order-preserving 64-bit image of each key (11-bit digits, 16-bit from 65536 keys on: four passes
/// instead of six once the histograms are small beside the data; a digit equal for every key is skipped). The
/// working buffers come from the shared array pool, so repeated sorts of large inputs do not touch fresh memory.
/// </summary>
internal static class RadixOrder
{
    private const ulong Sign = 0x8000_0000_0000_0000UL;

    /// <summary>Indices ordering <paramref name="keys"/> ascending (descending when asked); ties keep index order.</summary>
    public static int[] Of(double[] keys, bool descending = false)
    {
        var idx = new int[keys.Length];
        Sort(keys, descending, null, idx, null, null);
        return idx;
    }

    /// <summary>Indices ordering <paramref name="keys"/> ascending, and the keys in that order into <paramref name="sortedKeys"/>.</summary>
    public static int[] Of(double[] keys, double[] sortedKeys)
    {
        var idx = new int[keys.Length];
        Sort(keys, false, null, idx, sortedKeys, null);
        return idx;
    }

    /// <summary>
    /// Sorts <paramref name="keys"/> ascending carrying one payload value per key: on return the first n entries of
    /// <paramref name="payload"/> and <paramref name="sortedKeys"/> are in key order (ties in index order).
    /// </summary>
    public static void WithPayload(double[] keys, int[] payload, double[] sortedKeys) => Sort(keys, false, payload, payload, sortedKeys, null);

    /// <summary>1-based dense ranks of the values (equal values share a rank) and the number of distinct values.</summary>
    public static int[] DenseRanks(double[] values, out int distinct)
    {
        var rank = new int[values.Length];
        distinct = DenseRanks(values, rank);
        return rank;
    }

    /// <summary>1-based dense ranks of the values into the first n entries of <paramref name="rank"/>; returns the number of distinct values.</summary>
    public static int DenseRanks(double[] values, int[] rank)
    {
        var idx = ArrayPool<int>.Shared.Rent(values.Length);
        try { return Sort(values, false, null, idx, null, rank); }
        finally { ArrayPool<int>.Shared.Return(idx); }
    }

    /// <summary>
    /// Indices by stratum code ascending, then key ascending (descending when asked), then index: a radix sort by key,
    /// then a stable counting sort by stratum. <paramref name="stratum"/> holds codes 0, 1, … (null = one stratum).
    /// </summary>
    public static int[] ByStratumThen(int[]? stratum, double[] keys, bool descending = false)
    {
        var idx = Of(keys, descending);
        if (stratum is null) return idx;
        int n = keys.Length, strata = 0;
        for (int i = 0; i < n; i++) strata = Math.Max(strata, stratum[i] + 1);
        if (strata <= 1) return idx;
        var first = new int[strata + 1];
        for (int i = 0; i < n; i++) first[stratum[i] + 1]++;
        for (int s = 0; s < strata; s++) first[s + 1] += first[s];
        var result = new int[n];
        foreach (int i in idx) result[first[stratum[i]]++] = i;
        return result;
    }

    /// <summary>
    /// Sorts the items (<paramref name="items"/>, or the indices 0..n-1 when null) by key into <paramref name="order"/>
    /// (its first n entries; it may be <paramref name="items"/>); optionally writes the sorted keys and the dense ranks
    /// (by index; needs index items). Returns the number of distinct keys when ranks are asked for, else 0.
    /// </summary>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int Sort(double[] keys, bool descending, int[]? items, int[] order, double[]? sortedKeys, int[]? denseRanks)
    {
        int n = keys.Length;
        int bits = n >= 1 << 16 ? 16 : 11, buckets = 1 << bits, digits = (64 + bits - 1) / bits;
        ulong mask = (ulong)buckets - 1;
        var k = ArrayPool<ulong>.Shared.Rent(n);
        var k2 = ArrayPool<ulong>.Shared.Rent(n);
        var idx2 = ArrayPool<int>.Shared.Rent(n);
        var counts = ArrayPool<int>.Shared.Rent(digits * buckets);
        try
        {
            Array.Clear(counts, 0, digits * buckets);
            for (int i = 0; i < n; i++)
            {
                ulong b = Image(keys[i], descending);
                k[i] = b;
                for (int d = 0; d < digits; d++) counts[d * buckets + (int)((b >> (d * bits)) & mask)]++;
            }
            // Digits equal for every key are skipped; the identity starts in the buffer that makes the last pass land
            // in `order`.
            int passes = 0;
            for (int d = 0; d < digits; d++)
                if (n > 0 && counts[d * buckets + (int)((k[0] >> (d * bits)) & mask)] != n) passes++;
            var (idx, other) = passes % 2 == 0 ? (order, idx2) : (idx2, order);
            if (items is null) for (int i = 0; i < n; i++) idx[i] = i;
            else if (items != idx) Array.Copy(items, idx, n);
            for (int d = 0; d < digits; d++)
            {
                var c = counts.AsSpan(d * buckets, buckets);
                int shift = d * bits;
                if (n == 0 || c[(int)((k[0] >> shift) & mask)] == n) continue;
                int sum = 0;
                for (int j = 0; j < buckets; j++) { int t = c[j]; c[j] = sum; sum += t; }
                for (int s = 0; s < n; s++)
                {
                    ulong b = k[s];
                    int slot = c[(int)((b >> shift) & mask)]++;
                    other[slot] = idx[s];
                    k2[slot] = b;
                }
                (idx, other) = (other, idx);
                (k, k2) = (k2, k);
            }
            if (sortedKeys is not null)
                for (int s = 0; s < n; s++) sortedKeys[s] = Key(k[s], descending);
            int distinct = 0;
            if (denseRanks is not null)
                for (int s = 0; s < n; s++)
                {
                    if (s == 0 || k[s] != k[s - 1]) distinct++;
                    denseRanks[order[s]] = distinct;
                }
            return distinct;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(k);
            ArrayPool<ulong>.Shared.Return(k2);
            ArrayPool<int>.Shared.Return(idx2);
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>The order-preserving unsigned image of a key (-0 and +0 are one key).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong Image(double key, bool descending)
    {
        ulong b = (ulong)BitConverter.DoubleToInt64Bits(key == 0 ? 0 : key);
        b = (b & Sign) != 0 ? ~b : b | Sign;
        return descending ? ~b : b;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static double Key(ulong image, bool descending)
    {
        ulong b = descending ? ~image : image;
        b = (b & Sign) != 0 ? b & ~Sign : ~b;
        return BitConverter.Int64BitsToDouble((long)b);
    }
}
