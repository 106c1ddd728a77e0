using VPTSurv.Survival;

namespace VPTSurv.Interactive;

/// <summary>
/// The fallback for every survival result (<see cref="ISurvivalResult"/>) that has no dedicated formatter — Nelson–Aalen,
/// the weighted, stratified, pairwise and trend log-rank tests, the paired C comparison, restricted mean, cox.zph —
/// and for a bare <see cref="SurvivalTable"/>: the result's summary as an HTML table, cells rounded as the text form
/// rounds them (the result keeps full precision).
/// </summary>
public static class SummaryHtml
{
    /// <summary>The summary of <paramref name="result"/> as an HTML table.</summary>
    public static string Result(ISurvivalResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Table(result.Summary);
    }

    /// <summary><paramref name="table"/> as an HTML table with its title as the caption.</summary>
    public static string Table(SurvivalTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var html = new HtmlTable(table.Columns, table.Title);
        foreach (var row in table.Rows) html.Row([.. row.Select(SurvivalTable.Format)]);
        return html.ToString();
    }
}
