using Microsoft.Data.Analysis;
using MathNet.Numerics.Statistics;

namespace VPTSurv.Interactive;

/// <summary>One row of a <see cref="ComparisonTable"/>: a method (or setting) and its value per run (seed, fold).</summary>
/// <param name="Name">The row's name, e.g. "end-to-end (VPTSurv)".</param>
/// <param name="Values">One value per run, in run order; NaN for a run that gave no value.</param>
public sealed record ComparisonRow(string Name, IReadOnlyList<double> Values)
{
    private double[] Finite => Values.Where(double.IsFinite).ToArray();

    /// <summary>Runs that gave a value.</summary>
    public int Runs => Finite.Length;

    /// <summary>The mean over runs with a value (NaN when none).</summary>
    public double Mean => Runs == 0 ? double.NaN : Finite.Average();

    /// <summary>The sample standard deviation (n − 1) over runs with a value; NaN with fewer than two.</summary>
    public double StdDev => Runs < 2 ? double.NaN : Finite.StandardDeviation();

    /// <summary>The smallest value.</summary>
    public double Min => Runs == 0 ? double.NaN : Finite.Min();

    /// <summary>The largest value.</summary>
    public double Max => Runs == 0 ? double.NaN : Finite.Max();
}

/// <summary>
/// Methods compared over several runs (seeds, folds): each run's value, and per row the mean ± sample standard
/// deviation. Shown as a table in notebooks (values rounded for display), and as a <see cref="DataFrame"/> at full precision.
/// </summary>
/// <param name="Metric">What the values are, e.g. "test C-index per slide".</param>
/// <param name="RunNames">The runs' names (columns), e.g. "seed 0", "seed 1".</param>
/// <param name="Rows">The methods, in display order.</param>
public sealed record ComparisonTable(string Metric, IReadOnlyList<string> RunNames, IReadOnlyList<ComparisonRow> Rows)
{
    /// <summary>A table from (method, run, value) results, e.g. one per trained model.</summary>
    /// <exception cref="ArgumentException">When a (method, run) pair appears twice.</exception>
    public static ComparisonTable From(string metric, IEnumerable<(string Method, string Run, double Value)> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToArray();
        var twice = list.GroupBy(r => (r.Method, r.Run)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"'{twice.Key.Method}' has two values for run '{twice.Key.Run}'.", nameof(results));
        var runs = list.Select(r => r.Run).Distinct().ToArray();
        var rows = list.Select(r => r.Method).Distinct().Select(m => new ComparisonRow(m,
            runs.Select(run => list.Where(r => r.Method == m && r.Run == run).Select(r => r.Value).DefaultIfEmpty(double.NaN).First()).ToArray())).ToArray();
        return new ComparisonTable(metric, runs, rows);
    }

    /// <summary>Columns: method, one per run, then mean, sd, min, max and runs (numbers at full precision).</summary>
    public DataFrame ToDataFrame()
    {
        var df = new DataFrame(new StringDataFrameColumn("method", Rows.Select(r => r.Name)));
        for (int k = 0; k < RunNames.Count; k++)
        {
            int run = k;
            df.Columns.Add(new DoubleDataFrameColumn(RunNames[run], Rows.Select(r => run < r.Values.Count && double.IsFinite(r.Values[run]) ? r.Values[run] : (double?)null)));
        }
        df.Columns.Add(new DoubleDataFrameColumn("mean", Rows.Select(r => r.Mean)));
        df.Columns.Add(new DoubleDataFrameColumn("sd", Rows.Select(r => r.StdDev)));
        df.Columns.Add(new DoubleDataFrameColumn("min", Rows.Select(r => r.Min)));
        df.Columns.Add(new DoubleDataFrameColumn("max", Rows.Select(r => r.Max)));
        df.Columns.Add(new Int32DataFrameColumn("runs", Rows.Select(r => r.Runs)));
        return df;
    }

    /// <summary>The notebook table: method, "mean ± sd", each run, and the range, rounded to <paramref name="decimals"/>.</summary>
    public string ToHtml(int decimals = 4)
    {
        var table = new HtmlTable(new[] { "method", "mean ± sd" }.Concat(RunNames).Append("range").Append("runs"), Metric);
        foreach (var r in Rows)
            table.Row(new[] { r.Name, double.IsNaN(r.StdDev) ? Fmt.N(r.Mean, decimals) : $"{Fmt.N(r.Mean, decimals)} ± {Fmt.N(r.StdDev, decimals)}" }
                .Concat(RunNames.Select((_, k) => k < r.Values.Count ? Fmt.N(r.Values[k], decimals) : "NA"))
                .Append($"{Fmt.N(r.Min, decimals)} – {Fmt.N(r.Max, decimals)}").Append(Fmt.I(r.Runs)).ToArray());
        return table.ToString();
    }
}
