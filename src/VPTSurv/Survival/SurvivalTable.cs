using System.Globalization;
using System.Text;

namespace VPTSurv.Survival;

/// <summary>A fitted estimator, test or metric: every result of this folder renders itself as a table.</summary>
public interface ISurvivalResult
{
    /// <summary>The result as a titled table (one row per estimate, group, covariate or time).</summary>
    SurvivalTable Summary { get; }
}

/// <summary>
/// A small immutable table of a result, for printing (<see cref="ToString"/> gives fixed-width text, numbers with 4
/// significant digits) and for notebooks (cells are kept as numbers).
/// </summary>
/// <param name="Title">What the table shows, e.g. "Harrell's C".</param>
/// <param name="Columns">Column headers.</param>
/// <param name="Rows">Cells, one array per row (numbers as double, labels as string).</param>
public sealed record SurvivalTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object>> Rows)
{
    /// <summary>Fixed-width text: the title, a header line and one line per row.</summary>
    public override string ToString()
    {
        var cells = new List<string[]> { Columns.ToArray() };
        cells.AddRange(Rows.Select(r => r.Select(Format).ToArray()));
        var width = new int[Columns.Count];
        foreach (var row in cells)
            for (int c = 0; c < row.Length && c < width.Length; c++) width[c] = Math.Max(width[c], row[c].Length);
        var sb = new StringBuilder().AppendLine(Title);
        foreach (var row in cells)
            sb.AppendLine(string.Join("  ", row.Select((v, c) => c == 0 ? v.PadRight(width[c]) : v.PadLeft(width[c]))).TrimEnd());
        return sb.ToString();
    }

    /// <summary>A cell as text: whole numbers in full, other doubles with 4 significant digits (NaN as "NA", as R), others invariant.</summary>
    public static string Format(object? cell) => cell switch
    {
        null => "",
        double d when double.IsNaN(d) => "NA",
        double d when double.IsInfinity(d) => d > 0 ? "Inf" : "-Inf",
        double d when d == Math.Floor(d) && Math.Abs(d) < 1e15 => d.ToString("0", CultureInfo.InvariantCulture),
        double d => d.ToString("G4", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };
}
