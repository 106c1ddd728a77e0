namespace VPTSurv.Survival;

/// <summary>
/// Quantiles of a step survival curve with R's rule (<c>survival:::findq</c>): the p-quantile is the first time where
/// 1 - S reaches p; where 1 - S equals p (within sqrt(machine epsilon)) on a whole interval, the midpoint of that
/// interval (the curve's end if it stays there). Undefined points of a band (NaN) are skipped.
/// </summary>
internal static class SurvivalQuantile
{
    private static readonly double Tolerance = Math.Sqrt(Math.Pow(2, -52));

    public static double Find(IReadOnlyList<double> time, IReadOnlyList<double> survival, double p)
    {
        // x = (0, times), y = (0, 1 - S); keep the first time of each distinct y, then drop undefined ones.
        var xs = new List<double> { 0 };
        var ys = new List<double> { 0 };
        var seen = new HashSet<double> { 0 };
        bool seenNaN = false;
        for (int k = 0; k < time.Count; k++)
        {
            double y = 1 - survival[k];
            if (double.IsNaN(y)) { if (seenNaN) continue; seenNaN = true; }
            else if (!seen.Add(y)) continue;
            xs.Add(time[k]);
            ys.Add(y);
        }
        double xmax = time.Count > 0 ? time[^1] : 0;
        var x = new List<double>();
        var yv = new List<double>();
        for (int k = 0; k < xs.Count; k++)
            if (!double.IsNaN(ys[k])) { x.Add(xs[k]); yv.Add(ys[k]); }
        if (yv.Max() < p) return double.NaN;
        if (p == 0) return x[0];
        int i1 = FirstAtOrAbove(yv, Tolerance, p);
        int i2 = FirstAtOrAbove(yv, -Tolerance, p);
        if (Math.Abs(p - yv[^1]) < Tolerance && i1 >= 0) return (x[i1] + xmax) / 2;
        if (i1 < 0 || i2 < 0) return double.NaN;
        return (x[i1] + x[i2]) / 2;
    }

    // R's approx(y + shift, 1:n, p, "constant", f = 1): approx sorts by y, so on a curve that is not monotone (an
    // upper band can rise again) this is the index of the smallest y + shift >= p; -1 when p lies outside the range.
    private static int FirstAtOrAbove(List<double> y, double shift, double p)
    {
        int best = -1;
        double min = double.PositiveInfinity;
        for (int k = 0; k < y.Count; k++) min = Math.Min(min, y[k] + shift);
        if (p < min) return -1;
        for (int k = 0; k < y.Count; k++)
            if (y[k] + shift >= p && (best < 0 || y[k] < y[best])) best = k;
        return best;
    }
}
