using MathNet.Numerics.Distributions;

namespace VPTSurv.Survival;

/// <summary>
/// The Nelson–Aalen estimator of the cumulative hazard, as R's <c>survfit(...)$cumhaz</c> (ctype = 1): H(t) = Σ_{s&lt;=t}
/// d_s / n_s, with variance Σ d_s / n_s² (R's <c>std.chaz</c>), one row per distinct observed time. The interval is
/// on the log scale, H·exp(±z·se/H) (it stays positive).
/// </summary>
/// <param name="Level">Confidence level of the interval.</param>
public sealed record NelsonAalen(double Level = 0.95)
{
    /// <summary>Fits the cumulative hazard to right-censored times.</summary>
    /// <exception cref="ArgumentException">Lengths differ, no subject, or a time is not finite and &gt; 0 (argument and index named).</exception>
    public NelsonAalenResult Fit(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        SurvivalInput.CheckLevel(Level);
        if (time.Count == 0) throw new ArgumentException("Nelson–Aalen needs at least one subject.", nameof(time));
        var table = EventTable.Build(SurvivalInput.ToArray(time), SurvivalInput.ToArray(eventObserved));
        int m = table.Time.Length;
        var h = new double[m];
        var se = new double[m];
        var lower = new double[m];
        var upper = new double[m];
        double z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2), sum = 0, variance = 0;
        for (int k = 0; k < m; k++)
        {
            double n = table.AtRisk[k], d = table.Events[k];
            sum += d / n;
            variance += d / (n * n);
            h[k] = sum;
            se[k] = Math.Sqrt(variance);
            (lower[k], upper[k]) = h[k] > 0 ? (h[k] * Math.Exp(-z * se[k] / h[k]), h[k] * Math.Exp(z * se[k] / h[k])) : (0, 0);
        }
        return new NelsonAalenResult(table.Time, table.AtRisk, table.Events, h, se, lower, upper, Level);
    }

    /// <summary>Fits the cumulative hazard to <paramref name="targets"/>.</summary>
    public NelsonAalenResult Fit(SurvivalTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Fit(targets.Time, targets.EventObserved);
    }
}

/// <summary>A fitted Nelson–Aalen cumulative hazard: one entry per distinct observed time, ascending.</summary>
/// <param name="Time">Distinct observed times.</param>
/// <param name="AtRisk">Subjects with time &gt;= Time[k].</param>
/// <param name="Events">Deaths at Time[k].</param>
/// <param name="CumulativeHazard">H(Time[k]).</param>
/// <param name="StdError">Standard error of H (R's <c>std.chaz</c>).</param>
/// <param name="Lower">Lower limit (log scale).</param>
/// <param name="Upper">Upper limit (log scale).</param>
/// <param name="Level">Confidence level.</param>
public sealed record NelsonAalenResult(
    double[] Time, int[] AtRisk, int[] Events, double[] CumulativeHazard, double[] StdError, double[] Lower, double[] Upper,
    double Level) : ISurvivalResult
{
    /// <summary>H(t) at any time (0 before the first time).</summary>
    public double At(double t)
    {
        int k = Array.BinarySearch(Time, t);
        k = k >= 0 ? k : ~k - 1;
        return k < 0 ? 0 : CumulativeHazard[k];
    }

    /// <inheritdoc />
    public SurvivalTable Summary => new("Nelson–Aalen cumulative hazard",
        ["time", "at risk", "events", "H", "se", "lower", "upper"],
        [.. Time.Select((t, k) => (IReadOnlyList<object>)[t, AtRisk[k], Events[k], CumulativeHazard[k], StdError[k], Lower[k], Upper[k]])]);
}

/// <summary>Distinct observed times with the subjects at risk, deaths and censorings at each (ascending).</summary>
internal sealed record EventTable(double[] Time, int[] AtRisk, int[] Events, int[] Censored)
{
    public static EventTable Build(double[] time, bool[] ev)
    {
        int n = time.Length;
        var order = Enumerable.Range(0, n).ToArray();
        var keys = (double[])time.Clone();
        Array.Sort(keys, order);
        var times = new List<double>();
        var atRisk = new List<int>();
        var events = new List<int>();
        var censored = new List<int>();
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && keys[stop + 1] == keys[start]) stop++;
            int d = 0;
            for (int s = start; s <= stop; s++) if (ev[order[s]]) d++;
            times.Add(keys[start]);
            atRisk.Add(n - start);
            events.Add(d);
            censored.Add(stop - start + 1 - d);
            start = stop + 1;
        }
        return new EventTable(times.ToArray(), atRisk.ToArray(), events.ToArray(), censored.ToArray());
    }
}
