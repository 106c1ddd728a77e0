using System.Globalization;

namespace VPTSurv.Charts;

/// <summary>The log-rank test printed on a Kaplan–Meier chart.</summary>
/// <param name="ChiSquare">The test statistic (NaN when only the p-value is known, e.g. from an evaluation report).</param>
/// <param name="DegreesOfFreedom">Groups minus one.</param>
/// <param name="PValue">The p-value.</param>
public sealed record LogRankAnnotation(double ChiSquare, int DegreesOfFreedom, double PValue)
{
    /// <summary>"Log-rank p = 0.0013 (χ² = 10.3, df 1)", with p below 1e-4 in scientific notation.</summary>
    public override string ToString() => double.IsNaN(ChiSquare)
        ? $"Log-rank p = {ChartText.PValue(PValue)}"
        : $"Log-rank p = {ChartText.PValue(PValue)} (χ² = {ChiSquare.ToString("0.##", CultureInfo.InvariantCulture)}, df {DegreesOfFreedom})";
}

/// <summary>A hazard ratio with its confidence interval printed on a Kaplan–Meier chart.</summary>
/// <param name="Ratio">The hazard ratio.</param>
/// <param name="Lower">Lower confidence limit.</param>
/// <param name="Upper">Upper confidence limit.</param>
/// <param name="Comparison">What is compared, e.g. "female vs male".</param>
/// <param name="Level">Confidence level of the interval (0.95 by default).</param>
public sealed record HazardRatioAnnotation(double Ratio, double Lower, double Upper, string Comparison, double Level = 0.95)
{
    /// <summary>"HR female vs male = 0.59 (95% CI 0.42–0.82)".</summary>
    public override string ToString()
    {
        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        var level = (Level * 100).ToString("0.#", CultureInfo.InvariantCulture);
        return $"HR {Comparison} = {F(Ratio)} ({level}% CI {F(Lower)}–{F(Upper)})";
    }
}

/// <summary>Number formats shared by the chart writers and the notebook formatters.</summary>
public static class ChartText
{
    /// <summary>A p-value as papers print it: four decimals, or scientific notation below 1e-4.</summary>
    public static string PValue(double p) =>
        double.IsNaN(p) ? "NA"
        : p < 1e-4 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture)
        : p.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A number in invariant culture with at most <paramref name="decimals"/> decimals.</summary>
    public static string Number(double v, int decimals = 3) =>
        double.IsNaN(v) ? "NA" : Math.Round(v, decimals).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Evenly spaced "nice" tick positions (steps of 1, 2 or 5 × 10^k) from 0 to at least <paramref name="max"/>,
    /// about <paramref name="target"/> of them.
    /// </summary>
    public static double[] NiceTicks(double max, int target = 6)
    {
        if (!(max > 0) || !double.IsFinite(max)) return [0];
        double raw = max / Math.Max(1, target - 1);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 2.5, 5.0, 10.0 }.Select(m => m * mag).First(s => s >= raw);
        int n = (int)Math.Floor(max / step + 1e-9);
        return Enumerable.Range(0, n + 1).Select(i => Math.Round(i * step, 10)).ToArray();
    }
}
