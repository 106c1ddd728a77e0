using System.Globalization;
using VPTSurv.Charts;

namespace VPTSurv.Interactive;

/// <summary>Display rounding shared by the formatters (invariant culture); the data keep full precision.</summary>
internal static class Fmt
{
    public static string N(double v, int decimals = 3) => ChartText.Number(v, decimals);
    public static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    public static string Percent(double level) => (level * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    public static string P(double p) => ChartText.PValue(p);

    /// <summary>Up to <paramref name="max"/> indices spread evenly over 0..count-1, first and last included.</summary>
    public static IEnumerable<int> Spread(int count, int max) => count <= max
        ? Enumerable.Range(0, count)
        : Enumerable.Range(0, max).Select(i => (int)Math.Round(i * (count - 1) / (double)(max - 1))).Distinct();
}
