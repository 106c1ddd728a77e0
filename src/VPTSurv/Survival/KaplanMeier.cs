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
        var table = EventTable.Build(SurvivalInput.ToArray(time), SurvivalInput.ToArray(eventObserved));
        var (times, atRisk, events, censored) = (table.Time, table.AtRisk, table.Events, table.Censored);
        int m = times.Length;
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
            times, atRisk, events, censored, surv, stdErr, seLog, lower, upper,
            median, medLo, medHi, Band, Level);
    }

    /// <summary>Fits the curve to <paramref name="targets"/>.</summary>
    public KaplanMeierResult Fit(SurvivalTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Fit(targets.Time, targets.EventObserved);
    }

    private (double Lower, double Upper) BandAt(double p, double se, double z) => BandAt(Band, p, se, z);

    /// <summary>The pointwise band of survival <paramref name="p"/> whose log has standard error <paramref name="se"/>
    /// (R's <c>survfit_confint</c> with <c>logse = TRUE</c>); also used for predicted Cox curves.</summary>
    internal static (double Lower, double Upper) BandAt(ConfidenceBand band, double p, double se, double z)
    {
        switch (band)
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
    : ISurvivalResult
{
    /// <summary>
    /// Quantiles of the survival time with their intervals, as R's <c>quantile.survfit</c>: the p-quantile is where
    /// 1 - S first reaches p; its limits are where the lower and upper bands reach it (NaN where never).
    /// </summary>
    public IReadOnlyList<SurvivalQuantileRow> Quantiles(IReadOnlyList<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        var rows = new List<SurvivalQuantileRow>(probabilities.Count);
        for (int i = 0; i < probabilities.Count; i++)
        {
            double p = probabilities[i];
            if (!(p >= 0 && p <= 1))
                throw new ArgumentOutOfRangeException(nameof(probabilities), p, $"probabilities[{i}] = {p} must lie in [0, 1].");
            rows.Add(new SurvivalQuantileRow(p, SurvivalQuantile.Find(Time, Survival, p),
                SurvivalQuantile.Find(Time, Lower, p), SurvivalQuantile.Find(Time, Upper, p)));
        }
        return rows;
    }

    /// <summary>
    /// Restricted mean survival time up to <paramref name="tau"/> (the area under the curve on [0, tau]) with its
    /// standard error, as R's <c>print(survfit, rmean = tau)</c>: var = Σ_k A_k² d_k / (n_k (n_k - d_k)) over death
    /// times t_k &lt;= tau (terms with n_k = d_k are 0), A_k the area under the curve from t_k to tau.
    /// </summary>
    public RestrictedMeanResult RestrictedMean(double tau)
    {
        if (!(tau > 0 && double.IsFinite(tau))) throw new ArgumentOutOfRangeException(nameof(tau), tau, "tau must be finite and > 0.");
        int last = LastAtOrBefore(tau);
        // Rectangles: from 0 to Time[0] at S = 1, then Time[k] to the next time (or tau) at Survival[k].
        double mean = 0, variance = 0, tail = 0;
        for (int k = last; k >= -1; k--)
        {
            double from = k < 0 ? 0 : Time[k], to = k == last ? tau : Time[k + 1];
            double rect = (to - from) * (k < 0 ? 1 : Survival[k]);
            mean += rect;
            if (k < 0) break;
            tail += rect;
            double n = AtRisk[k], d = Events[k];
            if (d > 0 && n > d) variance += tail * tail * d / (n * (n - d));
        }
        double z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (1 - Level) / 2), se = Math.Sqrt(variance);
        return new RestrictedMeanResult(tau, mean, se, mean - z * se, mean + z * se, Level);
    }

    /// <inheritdoc />
    public SurvivalTable Summary => new(
        FormattableString.Invariant($"Kaplan–Meier ({Band} band, {Level:P0}): n = {(AtRisk.Length > 0 ? AtRisk[0] : 0)}, events = {Events.Sum()}, median = {SurvivalTable.Format(Median)} ({SurvivalTable.Format(MedianLower)}, {SurvivalTable.Format(MedianUpper)})"),
        ["time", "at risk", "events", "censored", "S", "se", "lower", "upper"],
        [.. Time.Select((t, k) => (IReadOnlyList<object>)[t, AtRisk[k], Events[k], Censored[k], Survival[k], StdErr[k], Lower[k], Upper[k]])]);

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
                ? new KaplanMeierTableRow(t, atRisk, events, censored, 1, 0, BandBeforeFirstTime, BandBeforeFirstTime)
                : new KaplanMeierTableRow(t, atRisk, events, censored, Survival[last], StdErr[last], Lower[last], Upper[last]));
        }
        return rows;
    }

    // Before the first time S = 1 with no variance: the band is 1, except on the log-log scale where it is undefined (as R).
    private double BandBeforeFirstTime => Band == ConfidenceBand.LogLog ? double.NaN : 1;

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

/// <summary>One row of <see cref="KaplanMeierResult.Quantiles"/>.</summary>
/// <param name="Probability">p: the quantile is where 1 - S reaches p (0.5 = the median).</param>
/// <param name="Time">The quantile (NaN if the curve never reaches it).</param>
/// <param name="Lower">Lower limit (where the lower band reaches p).</param>
/// <param name="Upper">Upper limit (where the upper band reaches p; NaN if never).</param>
public sealed record SurvivalQuantileRow(double Probability, double Time, double Lower, double Upper);

/// <summary>Restricted mean survival time (<see cref="KaplanMeierResult.RestrictedMean"/>).</summary>
/// <param name="Tau">Restriction time.</param>
/// <param name="Mean">Area under the Kaplan–Meier curve on [0, Tau].</param>
/// <param name="StdError">Standard error (R's <c>se(rmean)</c>).</param>
/// <param name="Lower">Mean - z·se.</param>
/// <param name="Upper">Mean + z·se.</param>
/// <param name="Level">Confidence level.</param>
public sealed record RestrictedMeanResult(double Tau, double Mean, double StdError, double Lower, double Upper, double Level) : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new("Restricted mean survival time",
        ["tau", "RMST", "se", "lower", "upper"], [[Tau, Mean, StdError, Lower, Upper]]);
}
