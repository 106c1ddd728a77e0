namespace VPTSurv.Survival;

/// <summary>
/// Cumulative/dynamic time-dependent AUC (Uno et al. 2007; Hung and Chiang 2010; scikit-survival's
/// <c>cumulative_dynamic_auc</c>): at time t, cases are subjects who died at or before t, controls those still
/// alive after t, and each case is weighted by 1/G(y_i-) (G the Kaplan–Meier estimate of the censoring distribution):
/// <code>
///   AUC(t) = Σ_i Σ_j w_i I(y_i &lt;= t, dead_i) I(y_j &gt; t) [I(r_i &gt; r_j) + ½ I(r_i = r_j)]
///            / ( Σ_i w_i I(y_i &lt;= t, dead_i) · Σ_j I(y_j &gt; t) )
/// </code>
/// The mean AUC weights AUC(t_k) by the drop of the Kaplan–Meier curve of the evaluated data over the chosen
/// times, divided by 1 - S(t_last), as scikit-survival.
/// </summary>
/// <param name="Times">Evaluation times, strictly increasing, each with at least one case and one control.</param>
/// <param name="Bootstrap">Bootstrap settings of percentile intervals of AUC(t) and the mean AUC (null: none); a
/// resample without a case or a control at some time is skipped.</param>
/// <param name="Level">Confidence level of the bootstrap intervals.</param>
public sealed record TimeDependentAuc(IReadOnlyList<double> Times, BootstrapSettings? Bootstrap = null, double Level = 0.95)
{
    /// <summary>AUC(t) of one risk score per subject (higher = worse), the same at every time.</summary>
    /// <param name="targets">Outcomes of the evaluated subjects.</param>
    /// <param name="risk">One risk score per subject.</param>
    /// <param name="censoringFrom">Targets on which G is estimated (e.g. the training split); null = <paramref name="targets"/>.</param>
    public TimeDependentAucResult Fit(SurvivalTargets targets, IReadOnlyList<double> risk, SurvivalTargets? censoringFrom = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(risk);
        SurvivalInput.CheckSameLength(targets.Count, risk.Count, nameof(risk));
        SurvivalInput.CheckFinite(risk, nameof(risk));
        var r = SurvivalInput.ToArray(risk);
        return FitCore(targets, (_, i) => r[i], censoringFrom);
    }

    /// <summary>AUC(t_k) of a risk that depends on time: <paramref name="riskAtTimes"/>[i, k] is subject i's risk at Times[k].</summary>
    public TimeDependentAucResult Fit(SurvivalTargets targets, double[,] riskAtTimes, SurvivalTargets? censoringFrom = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(riskAtTimes);
        IpcwInput.CheckMatrix(riskAtTimes, targets.Count, Times.Count, nameof(riskAtTimes), unitInterval: false);
        return FitCore(targets, (k, i) => riskAtTimes[i, k], censoringFrom);
    }

    private TimeDependentAucResult FitCore(SurvivalTargets targets, Func<int, int, double> risk, SurvivalTargets? censoringFrom)
    {
        var result = Point(targets, risk, censoringFrom);
        if (Bootstrap is not { } b) return result;
        SurvivalInput.CheckLevel(Level);
        var intervals = b.Intervals([.. result.Auc, result.MeanAuc], targets.Count, Level, idx =>
        {
            var r = Point(targets.Subset(idx), (k, i) => risk(k, idx[i]), censoringFrom);
            return [.. r.Auc, r.MeanAuc];
        });
        return result with { AucBootstrap = intervals[..^1], MeanAucBootstrap = intervals[^1] };
    }

    private TimeDependentAucResult Point(SurvivalTargets targets, Func<int, int, double> risk, SurvivalTargets? censoringFrom)
    {
        IpcwInput.CheckTimes(Times, nameof(Times));
        var reference = censoringFrom ?? targets;
        var g = new CensoringDistribution(reference.Time, reference.EventObserved);
        int n = targets.Count, m = Times.Count;
        var caseWeight = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!targets.EventObserved[i] || targets.Time[i] > Times[^1]) continue;
            double gi = g.Before(targets.Time[i]);
            if (gi <= 0)
                throw new ArgumentException($"time-dependent AUC: G = 0 just before the death of subject {i} at {targets.Time[i]}, beyond the censoring reference's follow-up.", nameof(censoringFrom));
            caseWeight[i] = 1 / gi;
        }
        var auc = new double[m];
        for (int k = 0; k < m; k++)
        {
            double t = Times[k];
            var controls = new List<double>();
            for (int i = 0; i < n; i++) if (targets.Time[i] > t) controls.Add(risk(k, i));
            controls.Sort();
            double numerator = 0, caseTotal = 0;
            for (int i = 0; i < n; i++)
            {
                if (!targets.EventObserved[i] || targets.Time[i] > t) continue;
                double ri = risk(k, i);
                int below = LowerBound(controls, ri), atOrBelow = UpperBound(controls, ri);
                numerator += caseWeight[i] * (below + 0.5 * (atOrBelow - below));
                caseTotal += caseWeight[i];
            }
            if (caseTotal == 0 || controls.Count == 0)
                throw new ArgumentException(
                    $"Times[{k}] = {t}: AUC needs at least one death at or before it and one subject alive after it " +
                    $"({(caseTotal == 0 ? "no death" : "no survivor")}).", nameof(Times));
            auc[k] = numerator / (caseTotal * controls.Count);
        }
        double mean;
        if (m == 1) mean = auc[0];
        else
        {
            var km = new KaplanMeier().Fit(targets);
            double previous = 1, integral = 0;
            for (int k = 0; k < m; k++)
            {
                double s = km.SurvivalAt(Times[k]);
                integral += auc[k] * (previous - s);
                previous = s;
            }
            mean = integral / (1 - previous);
        }
        return new TimeDependentAucResult(SurvivalInput.ToArray(Times), auc, mean);
    }

    private static int LowerBound(List<double> a, double v)
    {
        int lo = 0, hi = a.Count;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private static int UpperBound(List<double> a, double v)
    {
        int lo = 0, hi = a.Count;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (a[mid] <= v) lo = mid + 1; else hi = mid; }
        return lo;
    }
}

/// <summary>Time-dependent AUC at each chosen time and its survival-weighted mean.</summary>
/// <param name="Times">The evaluation times.</param>
/// <param name="Auc">AUC(t) at each time.</param>
/// <param name="MeanAuc">Mean AUC weighted by the Kaplan–Meier drop between the times.</param>
public sealed record TimeDependentAucResult(double[] Times, double[] Auc, double MeanAuc) : ISurvivalResult
{
    /// <summary>Percentile bootstrap interval of AUC at each time, when asked for.</summary>
    public BootstrapInterval[]? AucBootstrap { get; init; }

    /// <summary>Percentile bootstrap interval of the mean AUC, when asked for.</summary>
    public BootstrapInterval? MeanAucBootstrap { get; init; }

    /// <inheritdoc />
    public SurvivalTable Summary => new("Time-dependent AUC",
        ["time", "AUC", "boot lower", "boot upper"],
        [.. Times.Select((t, k) => (IReadOnlyList<object>)[t, Auc[k], AucBootstrap?[k].Lower ?? double.NaN, AucBootstrap?[k].Upper ?? double.NaN]),
         ["mean", MeanAuc, MeanAucBootstrap?.Lower ?? double.NaN, MeanAucBootstrap?.Upper ?? double.NaN]]);
}
