using MathNet.Numerics.Distributions;

namespace VPTSurv.Survival;

/// <summary>Pointwise confidence band of a Kaplan–Meier curve (R's <c>conf.type</c>).</summary>
public enum ConfidenceBand
{
    /// <summary>exp(log S ± z σ), upper clipped at 1 (R's default "log").</summary>
    Log,

    /// <summary>exp(-exp(log(-log S) ∓ z σ / log S)) ("log-log"; undefined where S is 0 or 1).</summary>
    LogLog,

    /// <summary>S ± z σ S, clipped to [0, 1] ("plain").</summary>
    Plain,
}

/// <summary>
/// The Kaplan–Meier estimator with Greenwood's variance, as R's <c>survfit(Surv(time, event) ~ 1)</c>: one row per
/// distinct observed time (deaths or censorings), σ² = Σ d / (n (n - d)) the variance of log S, and bands on the
/// chosen scale. Settings in the constructor, <see cref="Fit(IReadOnlyList{double}, IReadOnlyList{bool})"/> returns
/// the curve.
/// </summary>
/// <param name="Band">Scale of the confidence band (default log, as R).</param>
/// <param name="Level">Confidence level of the band and of the median interval (default 0.95).</param>
public sealed record KaplanMeier(ConfidenceBand Band = ConfidenceBand.Log, double Level = 0.95)
{
    /// <summary>Fits the curve to right-censored times.</summary>
    /// <exception cref="ArgumentException">Lengths differ or a time is not finite and &gt; 0 (index named).</exception>
    public KaplanMeierResult Fit(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        if (!(Level > 0 && Level < 1)) throw new ArgumentOutOfRangeException(nameof(Level), Level, "Level must lie in (0, 1).");
        if (time.Count == 0) throw new ArgumentException("Kaplan–Meier needs at least one subject.", nameof(time));
        int n = time.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => time[i]).ToArray();
        var times = new List<double>();
        var atRisk = new List<int>();
        var events = new List<int>();
        var censored = new List<int>();
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]]) stop++;
            int d = 0;
            for (int s = start; s <= stop; s++) if (eventObserved[order[s]]) d++;
            times.Add(time[order[start]]);
            atRisk.Add(n - start);
            events.Add(d);
            censored.Add(stop - start + 1 - d);
            start = stop + 1;
        }
        int m = times.Count;
        var surv = new double[m];
        var seLog = new double[m];
        double s0 = 1, greenwood = 0;
        for (int k = 0; k < m; k++)
        {
            double nk = atRisk[k], dk = events[k];
            s0 *= (nk - dk) / nk;
            // d / (n (n - d)) is infinite when everyone at risk dies: σ is then infinite, as in R.
            if (dk > 0) greenwood += dk / (nk * (nk - dk));
            surv[k] = s0;
            seLog[k] = Math.Sqrt(greenwood);
        }
        double z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        var lower = new double[m];
        var upper = new double[m];
        for (int k = 0; k < m; k++) (lower[k], upper[k]) = BandAt(surv[k], seLog[k], z);
        var stdErr = surv.Zip(seLog, (p, se) => p * se).ToArray();
        var (median, medLo, medHi) = (
            SurvivalQuantile.Find(times, surv, 0.5),
            SurvivalQuantile.Find(times, lower, 0.5),
            SurvivalQuantile.Find(times, upper, 0.5));
        return new KaplanMeierResult(
            times.ToArray(), atRisk.ToArray(), events.ToArray(), censored.ToArray(), surv, stdErr, seLog, lower, upper,
            median, medLo, medHi, Band, Level);
    }

    /// <summary>Fits the curve to <paramref name="targets"/>.</summary>
    public KaplanMeierResult Fit(SurvivalTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Fit(targets.Time, targets.EventObserved);
    }

    private (double Lower, double Upper) BandAt(double p, double se, double z)
    {
        switch (Band)
        {
            case ConfidenceBand.Log:
                if (p == 0) return (double.NaN, double.NaN);
                return (Math.Exp(Math.Log(p) - z * se), Math.Min(Math.Exp(Math.Log(p) + z * se), 1));
            case ConfidenceBand.LogLog:
                if (p == 0 || p == 1) return (double.NaN, double.NaN);
                double c = Math.Log(-Math.Log(p)), w = z * se / Math.Log(p);
                return (Math.Exp(-Math.Exp(c - w)), Math.Exp(-Math.Exp(c + w)));
            default:
                double half = z * se * p;
                return (Math.Max(p - half, 0), Math.Min(p + half, 1));
        }
    }
}

/// <summary>A fitted Kaplan–Meier curve: one entry per distinct observed time, ascending.</summary>
/// <param name="Time">Distinct observed times (deaths or censorings).</param>
/// <param name="AtRisk">Subjects with time &gt;= Time[k].</param>
/// <param name="Events">Deaths at Time[k].</param>
/// <param name="Censored">Censorings at Time[k].</param>
/// <param name="Survival">S(Time[k]).</param>
/// <param name="StdErr">Greenwood standard error of S (R's <c>summary(fit)$std.err</c>); NaN once S reaches 0.</param>
/// <param name="StdErrLog">Standard error of log S (R's <c>fit$std.err</c>); infinite once S reaches 0.</param>
/// <param name="Lower">Lower band (NaN where undefined on the chosen scale).</param>
/// <param name="Upper">Upper band.</param>
/// <param name="Median">Median survival time (R's rule: midpoint where S is exactly 0.5 on an interval); NaN if not reached.</param>
/// <param name="MedianLower">Lower limit of the median's interval (where the lower band crosses 0.5).</param>
/// <param name="MedianUpper">Upper limit (where the upper band crosses 0.5; NaN if it never does).</param>
/// <param name="Band">Scale of the band.</param>
/// <param name="Level">Confidence level.</param>
public sealed record KaplanMeierResult(
    double[] Time, int[] AtRisk, int[] Events, int[] Censored, double[] Survival, double[] StdErr, double[] StdErrLog,
    double[] Lower, double[] Upper, double Median, double MedianLower, double MedianUpper, ConfidenceBand Band, double Level)
{
    /// <summary>S(t): the curve at any time (1 before the first time).</summary>
    public double SurvivalAt(double t)
    {
        int k = LastAtOrBefore(t);
        return k < 0 ? 1 : Survival[k];
    }

    /// <summary>The p-quantile of the survival time (the time where 1 - S first reaches p, R's rule); NaN if not reached.</summary>
    public double Quantile(double p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in [0, 1].");
        return SurvivalQuantile.Find(Time, Survival, p);
    }

    /// <summary>
    /// A life table at chosen times, as R's <c>summary(fit, times, extend = TRUE)</c>: for each time t (ascending),
    /// S(t), the subjects still at risk at t (time &gt;= t), and the deaths and censorings since the previous chosen
    /// time (from 0 for the first one, up to and including t).
    /// </summary>
    public IReadOnlyList<KaplanMeierTableRow> Table(IReadOnlyList<double> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        SurvivalInput.CheckFinite(times, nameof(times));
        for (int i = 1; i < times.Count; i++)
            if (!(times[i] > times[i - 1]))
                throw new ArgumentException($"times[{i}] = {times[i]} must be greater than times[{i - 1}] = {times[i - 1]}.", nameof(times));
        var rows = new List<KaplanMeierTableRow>(times.Count);
        int k = 0;
        foreach (double t in times)
        {
            int events = 0, censored = 0;
            while (k < Time.Length && Time[k] <= t) { events += Events[k]; censored += Censored[k]; k++; }
            int atRisk = k < Time.Length ? AtRisk[k] : 0;
            int last = k - 1;
            // At-risk counts at t include the subjects whose time is exactly t.
            if (last >= 0 && Time[last] == t) atRisk = AtRisk[last];
            rows.Add(last < 0
                ? new KaplanMeierTableRow(t, atRisk, events, censored, 1, 0, 1, 1)
                : new KaplanMeierTableRow(t, atRisk, events, censored, Survival[last], StdErr[last], Lower[last], Upper[last]));
        }
        return rows;
    }

    private int LastAtOrBefore(double t)
    {
        int lo = 0, hi = Time.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (Time[mid] <= t) lo = mid + 1; else hi = mid; }
        return lo - 1;
    }
}

/// <summary>One row of <see cref="KaplanMeierResult.Table"/>.</summary>
/// <param name="Time">The chosen time.</param>
/// <param name="AtRisk">Subjects with time &gt;= Time.</param>
/// <param name="Events">Deaths since the previous chosen time (inclusive of Time).</param>
/// <param name="Censored">Censorings since the previous chosen time (inclusive of Time).</param>
/// <param name="Survival">S(Time).</param>
/// <param name="StdErr">Standard error of S(Time).</param>
/// <param name="Lower">Lower band at Time.</param>
/// <param name="Upper">Upper band at Time.</param>
public sealed record KaplanMeierTableRow(
    double Time, int AtRisk, int Events, int Censored, double Survival, double StdErr, double Lower, double Upper);
