using VPTSurv.Charts;
using VPTSurv.Evaluation;
using VPTSurv.Model;

namespace VPTSurv.Cli.Output;

/// <summary>
/// The Kaplan–Meier chart of a model's risk groups: slides above the training median risk are "high risk", the rest
/// "low risk" (the cut is fixed on the training split before the evaluated split is looked at), with the log-rank p
/// and the high-versus-low hazard ratio printed on the chart.
/// </summary>
public static class RiskGroupChart
{
    /// <summary>
    /// The chart of <paramref name="predictions"/> split at <paramref name="threshold"/>. When every slide falls on one
    /// side of the cut, the chart has that one curve and no test (there is nothing to compare), and the title says so.
    /// </summary>
    public static KaplanMeierChart Create(IReadOnlyList<SlidePrediction> predictions, double threshold, string title, string timeLabel = "Time (months)")
    {
        if (predictions.Count == 0) throw new ArgumentException("No predictions to chart.", nameof(predictions));
        return Create([.. predictions.Select(p => p.Time)], [.. predictions.Select(p => p.EventObserved)], [.. predictions.Select(p => p.Risk)],
            threshold, title, timeLabel);
    }

    /// <summary>The chart of subjects given by time, event and risk, split at <paramref name="threshold"/>; as the overload above.</summary>
    public static KaplanMeierChart Create(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> risk,
        double threshold, string title, string timeLabel = "Time (months)")
    {
        if (risk.Count == 0) throw new ArgumentException("No subjects to chart.", nameof(risk));
        var group = RiskGroups.Labels(risk, threshold);
        var present = new[] { RiskGroups.LowLabel, RiskGroups.HighLabel }.Where(group.Contains).ToArray();
        if (present.Length < 2) title += $" (every slide is {present[0]}: no comparison)";
        var options = KaplanMeierChartOptions.Default with { Title = title, TimeLabel = timeLabel };
        return KaplanMeierChart.FromData(time, eventObserved, group, present, options);
    }
}
