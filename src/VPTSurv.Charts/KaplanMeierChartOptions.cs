namespace VPTSurv.Charts;

/// <summary>What a Kaplan–Meier chart shows and how large it is drawn.</summary>
/// <param name="Title">Chart title.</param>
/// <param name="TimeLabel">Label of the time axis (say the unit).</param>
/// <param name="SurvivalLabel">Label of the survival axis.</param>
/// <param name="ConfidenceBands">Shade each curve's confidence interval.</param>
/// <param name="CensorTicks">Mark censored subjects with a tick on the curve.</param>
/// <param name="AtRiskTable">Show the number at risk per group under the time axis, at the axis ticks.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="AtRiskTimes">Times of the axis ticks and at-risk counts; null picks evenly spaced round times.</param>
public sealed record KaplanMeierChartOptions(
    string Title = "Kaplan–Meier survival",
    string TimeLabel = "Time",
    string SurvivalLabel = "Survival probability",
    bool ConfidenceBands = true,
    bool CensorTicks = true,
    bool AtRiskTable = true,
    int Width = 900,
    int Height = 650,
    IReadOnlyList<double>? AtRiskTimes = null)
{
    /// <summary>The defaults: bands, censor ticks and the at-risk table on, 900 × 650.</summary>
    public static KaplanMeierChartOptions Default { get; } = new();

    /// <summary>Colours of the groups, in order (colour-blind-safe, from the Okabe–Ito palette).</summary>
    public static IReadOnlyList<string> Palette { get; } =
        ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
}
