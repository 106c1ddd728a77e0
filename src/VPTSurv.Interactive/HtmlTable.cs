using System.Text;

namespace VPTSurv.Interactive;

/// <summary>A small HTML table writer for the notebook formatters; every cell is HTML-encoded.</summary>
public sealed class HtmlTable
{
    private readonly string[] _header;
    private readonly List<string[]> _rows = [];
    private readonly string? _caption;

    /// <summary>A table with the given column headers and an optional caption.</summary>
    public HtmlTable(IEnumerable<string> header, string? caption = null)
    {
        _header = header.ToArray();
        _caption = caption;
    }

    /// <summary>Adds a row; it must have one cell per column.</summary>
    /// <exception cref="ArgumentException">When the row has the wrong number of cells.</exception>
    public HtmlTable Row(params string[] cells)
    {
        if (cells.Length != _header.Length)
            throw new ArgumentException($"Row {_rows.Count} has {cells.Length} cells; the table has {_header.Length} columns.", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    /// <summary>Escapes the characters that are markup in HTML text; other characters (χ², –) stay readable.</summary>
    public static string Encode(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    /// <summary>The table as an HTML element.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("<table class=\"vptsurv\">");
        if (_caption is not null) sb.Append("<caption>").Append(Encode(_caption)).Append("</caption>");
        sb.Append("<thead><tr>");
        foreach (var h in _header) sb.Append("<th>").Append(Encode(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in _rows)
        {
            sb.Append("<tr>");
            foreach (var c in row) sb.Append("<td>").Append(Encode(c)).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }
}
