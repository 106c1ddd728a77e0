using VPTSurv.Evaluation;
using VPTSurv.Survival;

namespace VPTSurv.Charts;

/// <summary>Kaplan–Meier results chart directly: <c>km.Chart()</c>, <c>groups.Chart()</c>, <c>report.Groups.Chart()</c>.</summary>
public static class KaplanMeierCharting
{
    /// <summary>A chart of one fitted estimate (band, censor ticks, at-risk table).</summary>
    /// <param name="km">The fitted estimate.</param>
    /// <param name="label">The curve's label in the legend and the at-risk table.</param>
    /// <param name="options">Chart options.</param>
    public static KaplanMeierChart Chart(this KaplanMeierResult km, string label = "all", KaplanMeierChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(km);
        return KaplanMeierChart.Create([km.ToCurve(label)], options);
    }

    /// <summary>
    /// A chart of several fitted estimates, in the given order (the reference group first). The log-rank test and the
    /// hazard ratio need the subjects, not the curves: pass them (e.g. <c>new LogRankTest().Fit(…)</c>, a <c>CoxFit</c>) or use
    /// <see cref="KaplanMeierChart.FromData"/>, which fits all three.
    /// </summary>
    /// <param name="groups">(label, estimate) per group.</param>
    /// <param name="logRank">The log-rank test across the groups, printed on the chart.</param>
    /// <param name="hazardRatio">The Cox fit whose first covariate is the group indicator, printed as "HR second vs first".</param>
    /// <param name="options">Chart options.</param>
    public static KaplanMeierChart Chart(this IEnumerable<(string Label, KaplanMeierResult Km)> groups, LogRankResult? logRank = null,
        CoxFit? hazardRatio = null, KaplanMeierChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = groups.ToArray();
        var chart = KaplanMeierChart.Create(list.Select(g => g.Km.ToCurve(g.Label)), options);
        if (logRank is not null) chart = chart.WithLogRank(logRank.ToAnnotation());
        if (hazardRatio is not null && list.Length >= 2) chart = chart.WithHazardRatio(hazardRatio.ToAnnotation($"{list[1].Label} vs {list[0].Label}"));
        return chart;
    }

    /// <summary>
    /// The risk-group chart of an evaluation report: low and high risk at the training median cut, with its log-rank p
    /// and hazard ratio (high vs low).
    /// </summary>
    /// <exception cref="ArgumentException">When a group is empty (every subject on one side of the cut).</exception>
    public static KaplanMeierChart Chart(this RiskGroups groups, KaplanMeierChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Low is null || groups.High is null)
            throw new ArgumentException($"One risk group is empty ({groups.LowCount} low, {groups.HighCount} high at the cut {ChartText.Number(groups.Threshold, 4)}); there is nothing to compare.", nameof(groups));
        var chart = KaplanMeierChart.Create([groups.Low.ToCurve(RiskGroups.LowLabel), groups.High.ToCurve(RiskGroups.HighLabel)], options);
        if (double.IsFinite(groups.LogRankP)) chart = chart.WithLogRank(new LogRankAnnotation(double.NaN, 1, groups.LogRankP));
        // A hazard ratio whose interval is unbounded (a group without events, or of one subject) says nothing; leave it off.
        if (double.IsFinite(groups.HazardRatio) && double.IsFinite(groups.HazardRatioLower) && double.IsFinite(groups.HazardRatioUpper)
            && groups.HazardRatioLower > 0)
            chart = chart.WithHazardRatio(new HazardRatioAnnotation(groups.HazardRatio, groups.HazardRatioLower, groups.HazardRatioUpper,
                $"{RiskGroups.HighLabel} vs {RiskGroups.LowLabel}"));
        return chart;
    }
}
