namespace VPTSurv.Survival;

/// <summary>
/// A stable O(n) sort of finite doubles for the sweeps of this folder: the indices of the keys in ascending (or
/// descending) order, equal keys in index order — the order of a stable <c>OrderBy</c>, without a comparer. LSD radix
/// sort on the order-preserving 64-bit image of each key (11-bit digits; a digit equal for every key is skipped).
/// </summary>
internal static class RadixOrder
{
    private const int Bits = 11, Buckets = 1 << Bits, Digits = (64 + Bits - 1) / Bits;

    /// <summary>Indices ordering <paramref name="keys"/> ascending (descending when asked); ties keep index order.</summary>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int[] Of(double[] keys, bool descending = false)
    {
        int n = keys.Length;
        var k = new ulong[n];
        var counts = new int[Digits * Buckets];
        for (int i = 0; i < n; i++)
        {
            double v = keys[i] == 0 ? 0 : keys[i];   // -0 and +0 are one key
            ulong b = (ulong)BitConverter.DoubleToInt64Bits(v);
            b = (b & 0x8000_0000_0000_0000UL) != 0 ? ~b : b | 0x8000_0000_0000_0000UL;
            if (descending) b = ~b;
            k[i] = b;
            for (int d = 0; d < Digits; d++) counts[d * Buckets + (int)((b >> (d * Bits)) & (Buckets - 1))]++;
        }
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        var idx2 = new int[n];
        var k2 = new ulong[n];
        for (int d = 0; d < Digits; d++)
        {
            var c = counts.AsSpan(d * Buckets, Buckets);
            int shift = d * Bits;
            if (n == 0 || c[(int)((k[0] >> shift) & (Buckets - 1))] == n) continue;
            int sum = 0;
            for (int j = 0; j < Buckets; j++) { int t = c[j]; c[j] = sum; sum += t; }
            for (int s = 0; s < n; s++)
            {
                int slot = c[(int)((k[s] >> shift) & (Buckets - 1))]++;
                idx2[slot] = idx[s];
                k2[slot] = k[s];
            }
            (idx, idx2) = (idx2, idx);
            (k, k2) = (k2, k);
        }
        return idx;
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
}
