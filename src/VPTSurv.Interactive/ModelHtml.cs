using System.Globalization;
using VPTSurv.Model;

namespace VPTSurv.Interactive;

/// <summary>HTML summaries of models, as shown by the notebook formatters.</summary>
public static class ModelHtml
{
    /// <summary>Trainable and frozen parameters per part, with the totals and the trainable share.</summary>
    public static string Parameters(ParameterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        long total = report.Trainable + report.Frozen;
        var share = total == 0 ? "0" : (100.0 * report.Trainable / total).ToString("0.##", CultureInfo.InvariantCulture);
        var table = new HtmlTable(["part", "trainable", "frozen", "total"], $"Parameters: {N(report.Trainable)} trainable of {N(total)} ({share}%)");
        foreach (var p in report.Parts) table.Row(p.Part, N(p.Trainable), N(p.Frozen), N(p.Total));
        table.Row("all", N(report.Trainable), N(report.Frozen), N(total));
        return table.ToString();
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
