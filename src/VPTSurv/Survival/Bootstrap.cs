using MathNet.Numerics.Statistics;

namespace VPTSurv.Survival;

/// <summary>
/// How a percentile bootstrap interval is drawn: subjects are resampled with replacement <paramref name="Resamples"/>
/// times. A master <see cref="Random"/>(<paramref name="Seed"/>) gives one seed per resample, so the result does not
/// depend on thread scheduling. Resamples on which the statistic is undefined (e.g. no comparable pair) are skipped
/// and counted.
/// </summary>
/// <param name="Resamples">Number of resamples (at least 2).</param>
/// <param name="Seed">Seed of the master generator.</param>
public sealed record BootstrapSettings(int Resamples = 1000, int Seed = 0)
{
    /// <summary>Draws the resamples and returns the statistic of each (NaN where undefined), one row per resample.</summary>
    internal double[][] Run(int n, Func<int[], double[]?> statistic)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Resamples, 2, nameof(Resamples));
        var master = new Random(Seed);
        var seeds = Enumerable.Range(0, Resamples).Select(_ => master.Next()).ToArray();
        var values = new double[Resamples][];
        Parallel.For(0, Resamples, b =>
        {
            var rng = new Random(seeds[b]);
            var idx = new int[n];
            for (int k = 0; k < n; k++) idx[k] = rng.Next(n);
            double[]? v;
            try { v = statistic(idx); }
            catch (NoComparablePairsException) { v = null; }
            catch (ArgumentException) { v = null; }
            values[b] = v ?? [];
        });
        return values;
    }

    /// <summary>Percentile intervals of each component of a vector statistic.</summary>
    internal BootstrapInterval[] Intervals(double[] estimates, int n, double level, Func<int[], double[]?> statistic)
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie in (0, 1).");
        var rows = Run(n, statistic);
        var result = new BootstrapInterval[estimates.Length];
        for (int k = 0; k < estimates.Length; k++)
        {
            var valid = rows.Where(r => r.Length == estimates.Length && double.IsFinite(r[k])).Select(r => r[k]).ToArray();
            if (valid.Length < 2)
                throw new NoComparablePairsException($"bootstrap: only {valid.Length} of {Resamples} resamples gave a defined value.");
            result[k] = new BootstrapInterval(
                estimates[k],
                valid.QuantileCustom((1 - level) / 2, QuantileDefinition.R7),
                valid.QuantileCustom((1 + level) / 2, QuantileDefinition.R7),
                valid.StandardDeviation(), level, valid.Length, Resamples - valid.Length);
        }
        return result;
    }
}

/// <summary>A bootstrap percentile interval.</summary>
/// <param name="Estimate">The statistic on the full data.</param>
/// <param name="Lower">(1 - Level) / 2 quantile of the resampled values (R's type 7).</param>
/// <param name="Upper">(1 + Level) / 2 quantile.</param>
/// <param name="StdError">Standard deviation of the resampled values.</param>
/// <param name="Level">Confidence level, e.g. 0.95.</param>
/// <param name="Resamples">Resamples on which the statistic was defined.</param>
/// <param name="Skipped">Resamples left out (statistic undefined there).</param>
public sealed record BootstrapInterval(
    double Estimate, double Lower, double Upper, double StdError, double Level, int Resamples, int Skipped);
