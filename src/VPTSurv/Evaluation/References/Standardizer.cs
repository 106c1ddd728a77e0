namespace VPTSurv.Evaluation.References;

/// <summary>
/// Column means and standard deviations fitted on the training rows only, so that validation and test rows are scaled
/// with numbers that never saw them. Columns constant on the training rows carry no information there and are dropped.
/// </summary>
public sealed class Standardizer
{
    private Standardizer(double[] mean, double[] sd, int[] kept) { Mean = mean; Sd = sd; Kept = kept; }

    /// <summary>Training mean of every input column.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Training sample standard deviation of every input column.</summary>
    public IReadOnlyList<double> Sd { get; }

    /// <summary>The input columns kept (non-constant on the training rows), in order.</summary>
    public IReadOnlyList<int> Kept { get; }

    /// <summary>Fits on <paramref name="rows"/> (n rows of p values, n ≥ 2).</summary>
    /// <exception cref="ArgumentException">Fewer than two rows, ragged rows, a non-finite value (row and column named).</exception>
    public static Standardizer Fit(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < 2) throw new ArgumentException($"standardisation needs at least 2 training rows; got {rows.Count}.", nameof(rows));
        int p = rows[0].Length;
        var mean = new double[p];
        var sd = new double[p];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != p) throw new ArgumentException($"rows[{i}] has {rows[i].Length} values; row 0 has {p}.", nameof(rows));
            for (int j = 0; j < p; j++)
            {
                if (!double.IsFinite(rows[i][j])) throw new ArgumentException($"rows[{i}][{j}] = {rows[i][j]}: expected a finite number.", nameof(rows));
                mean[j] += rows[i][j] / rows.Count;
            }
        }
        for (int j = 0; j < p; j++)
            sd[j] = Math.Sqrt(rows.Sum(r => (r[j] - mean[j]) * (r[j] - mean[j])) / (rows.Count - 1));
        var kept = Enumerable.Range(0, p).Where(j => sd[j] > 1e-12 * Math.Max(1, Math.Abs(mean[j]))).ToArray();
        return new Standardizer(mean, sd, kept);
    }

    /// <summary>(x − mean) / sd of the kept columns.</summary>
    public double[] Apply(double[] row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Length != Mean.Count) throw new ArgumentException($"row has {row.Length} values; the standardiser was fitted on {Mean.Count}.", nameof(row));
        return Kept.Select(j => (row[j] - Mean[j]) / Sd[j]).ToArray();
    }
}
