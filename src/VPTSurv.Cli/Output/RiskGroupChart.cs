using VPTSurv.Charts;
using VPTSurv.Evaluation;

namespace VPTSurv.Cli.Output;

/// <summary>
/// The Kaplan–Meier chart of a model's risk groups: slides above the training median risk are "high risk", the rest
/// "low risk" (the cut is fixed on the training split before the evaluated split is looked at), with the log-rank p
/// and the high-versus-low hazard ratio printed on the chart.
/// </summary>
public static class RiskGroupChart
{
    /// <summary>Label of the group at or below the cut.</summary>
    public const string Low = "low risk";

    /// <summary>Label of the group above the cut.</summary>
    public const string High = "high risk";

    /// <summary>
    /// The chart of <paramref name="predictions"/> split at <paramref name="threshold"/>. When every slide falls on one
    /// side of the cut, the chart has that one curve and no test (there is nothing to compare), and the title says so.
    /// </summary>
    public static KaplanMeierChart Create(IReadOnlyList<SlidePrediction> predictions, double threshold, string title, string timeLabel = "Time (months)")
    {
        if (predictions.Count == 0) throw new ArgumentException("No predictions to chart.", nameof(predictions));
        var group = predictions.Select(p => p.Risk > threshold ? High : Low).ToArray();
        var present = new[] { Low, High }.Where(g => group.Contains(g)).ToArray();
        if (present.Length < 2) title += $" (every slide is {present[0]}: no comparison)";
        var options = KaplanMeierChartOptions.Default with { Title = title, TimeLabel = timeLabel };
        return KaplanMeierChart.FromData(predictions.Select(p => p.Time).ToArray(), predictions.Select(p => p.EventObserved).ToArray(),
            group, present, options);
    }
}
