using Microsoft.Data.Analysis;
using VPTSurv.Survival;

namespace VPTSurv.Interactive;

/// <summary>C-index tables as <see cref="DataFrame"/>s, which notebooks display as tables and users can sort, filter and export.</summary>
public static class ConcordanceTable
{
    /// <summary>One row per named result: C-index and the pair counts behind it.</summary>
    /// <param name="results">(name, result) pairs, e.g. one per model or per split, in display order.</param>
    public static DataFrame Create(IEnumerable<(string Name, ConcordanceResult Result)> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = results.ToArray();
        return new DataFrame(
            new StringDataFrameColumn("model", rows.Select(r => r.Name)),
            new DoubleDataFrameColumn("C-index", rows.Select(r => r.Result.CIndex)),
            new Int64DataFrameColumn("comparable", rows.Select(r => r.Result.Comparable)),
            new Int64DataFrameColumn("concordant", rows.Select(r => r.Result.Concordant)),
            new Int64DataFrameColumn("discordant", rows.Select(r => r.Result.Discordant)),
            new Int64DataFrameColumn("tied risk", rows.Select(r => r.Result.TiedRisk)));
    }

    /// <summary>One row per named estimate with its bootstrap interval.</summary>
    /// <param name="results">(name, interval) pairs in display order.</param>
    public static DataFrame Create(IEnumerable<(string Name, BootstrapInterval Interval)> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = results.ToArray();
        return new DataFrame(
            new StringDataFrameColumn("model", rows.Select(r => r.Name)),
            new DoubleDataFrameColumn("C-index", rows.Select(r => r.Interval.Estimate)),
            new DoubleDataFrameColumn("lower", rows.Select(r => r.Interval.Lower)),
            new DoubleDataFrameColumn("upper", rows.Select(r => r.Interval.Upper)),
            new DoubleDataFrameColumn("std error", rows.Select(r => r.Interval.StdError)),
            new DoubleDataFrameColumn("level", rows.Select(r => r.Interval.Level)),
            new Int32DataFrameColumn("resamples", rows.Select(r => r.Interval.Resamples)));
    }
}
