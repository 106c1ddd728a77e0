namespace VPTSurv.Bench;

/// <summary>The statistics the timing benches share: medians and the ratio of two medians with a bootstrap interval.</summary>
internal static class BenchStatistics
{
    /// <summary>The median (NaN for no values).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>median(a) / median(b) with a percentile-bootstrap 95 % interval (each list resampled on its own), rounded to 3 places.</summary>
    public static (double? Ratio, double? Low, double? High) RatioOfMedians(IReadOnlyList<double> a, IReadOnlyList<double> b, int seed)
    {
        if (a.Count == 0 || b.Count == 0) return (null, null, null);
        var rng = new Random(seed);
        var boot = new double[2000];
        var ra = new double[a.Count];
        var rb = new double[b.Count];
        for (int i = 0; i < boot.Length; i++)
        {
            for (int j = 0; j < ra.Length; j++) ra[j] = a[rng.Next(a.Count)];
            for (int j = 0; j < rb.Length; j++) rb[j] = b[rng.Next(b.Count)];
            boot[i] = Median(ra) / Median(rb);
        }
        Array.Sort(boot);
        return (Math.Round(Median(a) / Median(b), 3), Math.Round(boot[(int)(0.025 * boot.Length)], 3), Math.Round(boot[(int)(0.975 * boot.Length) - 1], 3));
    }
}
