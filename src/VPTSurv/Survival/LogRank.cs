namespace VPTSurv.Survival;

/// <summary>The plain log-rank test (R's <c>survdiff</c>, rho = 0); see <see cref="LogRankTest"/> for the weighted and stratified forms.</summary>
public static class LogRank
{
    /// <summary>Tests whether the groups' survival differs.</summary>
    public static LogRankResult Test(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<int> group)
        => new LogRankTest().Fit(time, eventObserved, group);

    /// <summary>Tests whether the groups' survival differs (targets and one group label per subject).</summary>
    public static LogRankResult Test(SurvivalTargets targets, IReadOnlyList<int> group)
        => new LogRankTest().Fit(targets, group);
}
