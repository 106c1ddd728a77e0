namespace VPTSurv.Survival;

/// <summary>
/// The IPCW Brier score (Graf et al. 1999) of predicted survival probabilities, and its integral over time:
/// <code>
///   BS(t) = 1/n Σ_i [ I(y_i &lt;= t, dead_i) Ŝ_i(t)² / G(y_i-)  +  I(y_i &gt; t) (1 - Ŝ_i(t))² / G(t) ]
///   IBS   = ∫ BS(t) dt / (t_last - t_first)   (trapezoid rule over the chosen times)
/// </code>
/// with G the Kaplan–Meier estimate of the censoring distribution (of the evaluated data, or of training targets
/// when given). Subjects censored at or before t contribute 0 but stay in n.
/// </summary>
/// <param name="Times">Evaluation times, strictly increasing.</param>
/// <param name="Bootstrap">Bootstrap settings of a percentile interval of the integrated score (null: none).</param>
/// <param name="Level">Confidence level of the bootstrap interval.</param>
public sealed record BrierScore(IReadOnlyList<double> Times, BootstrapSettings? Bootstrap = null, double Level = 0.95)
{
    /// <summary>Brier scores of <paramref name="survivalAtTimes"/>[i, k] = predicted S_i(Times[k]).</summary>
    /// <param name="targets">Outcomes of the evaluated subjects.</param>
    /// <param name="survivalAtTimes">Predicted survival probabilities in [0, 1], one row per subject, one column per time.</param>
    /// <param name="censoringFrom">Targets on which G is estimated (e.g. the training split); null = <paramref name="targets"/>.</param>
    public BrierScoreResult Fit(SurvivalTargets targets, double[,] survivalAtTimes, SurvivalTargets? censoringFrom = null)
    {
        var result = Point(targets, survivalAtTimes, censoringFrom);
        if (Bootstrap is not { } b || Times.Count < 2) return result;
        SurvivalInput.CheckLevel(Level);
        int m = Times.Count;
        var interval = b.Intervals([result.Integrated], targets.Count, Level, idx =>
        {
            var s = new double[idx.Length, m];
            for (int i = 0; i < idx.Length; i++)
                for (int k = 0; k < m; k++) s[i, k] = survivalAtTimes[idx[i], k];
            return [Point(targets.Subset(idx), s, censoringFrom).Integrated];
        })[0];
        return result with { IntegratedBootstrap = interval };
    }

    private BrierScoreResult Point(SurvivalTargets targets, double[,] survivalAtTimes, SurvivalTargets? censoringFrom)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(survivalAtTimes);
        IpcwInput.CheckTimes(Times, nameof(Times));
        IpcwInput.CheckMatrix(survivalAtTimes, targets.Count, Times.Count, nameof(survivalAtTimes), unitInterval: true);
        var reference = censoringFrom ?? targets;
        var g = new CensoringDistribution(reference.Time, reference.EventObserved);
        int n = targets.Count, m = Times.Count;
        var score = new double[m];
        for (int k = 0; k < m; k++)
        {
            double t = Times[k];
            double gt = g.At(t);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double s = survivalAtTimes[i, k], y = targets.Time[i];
                if (y > t)
                {
                    if (gt <= 0)
                        throw new ArgumentException($"Times[{k}] = {t}: the censoring survival G(t) is 0 there; choose earlier times.", nameof(Times));
                    sum += (1 - s) * (1 - s) / gt;
                }
                else if (targets.EventObserved[i])
                {
                    double gy = g.Before(y);
                    if (gy <= 0)
                        throw new ArgumentException($"Brier score: G = 0 just before the death of subject {i} at {y}.", nameof(censoringFrom));
                    sum += s * s / gy;
                }
            }
            score[k] = sum / n;
        }
        double integrated = double.NaN;
        if (m >= 2)
        {
            double area = 0;
            for (int k = 1; k < m; k++) area += (Times[k] - Times[k - 1]) * (score[k] + score[k - 1]) / 2;
            integrated = area / (Times[^1] - Times[0]);
        }
        return new BrierScoreResult(SurvivalInput.ToArray(Times), score, integrated);
    }
}

/// <summary>Brier score at each chosen time and the integrated Brier score.</summary>
/// <param name="Times">The evaluation times.</param>
/// <param name="Score">BS(t) at each time.</param>
/// <param name="Integrated">Integrated Brier score (NaN with fewer than two times).</param>
public sealed record BrierScoreResult(double[] Times, double[] Score, double Integrated) : ISurvivalResult
{
    /// <summary>Percentile bootstrap interval of the integrated score, when asked for.</summary>
    public BootstrapInterval? IntegratedBootstrap { get; init; }

    /// <inheritdoc />
    public SurvivalTable Summary => new("Brier score (IPCW)",
        ["time", "Brier", "boot lower", "boot upper"],
        [.. Times.Select((t, k) => (IReadOnlyList<object>)[t, Score[k], double.NaN, double.NaN]),
         ["integrated", Integrated, IntegratedBootstrap?.Lower ?? double.NaN, IntegratedBootstrap?.Upper ?? double.NaN]]);
}

/// <summary>Checks shared by the IPCW metrics.</summary>
internal static class IpcwInput
{
    public static void CheckTimes(IReadOnlyList<double> times, string name)
    {
        ArgumentNullException.ThrowIfNull(times, name);
        if (times.Count == 0) throw new ArgumentException("at least one evaluation time is needed.", name);
        SurvivalInput.CheckTimes(times, name);
        for (int k = 1; k < times.Count; k++)
            if (!(times[k] > times[k - 1]))
                throw new ArgumentException($"{name}[{k}] = {times[k]} must be greater than {name}[{k - 1}] = {times[k - 1]}.", name);
    }

    public static void CheckMatrix(double[,] values, int rows, int columns, string name, bool unitInterval)
    {
        if (values.GetLength(0) != rows || values.GetLength(1) != columns)
            throw new ArgumentException($"{name} must be {rows} × {columns} (subjects × times); got {values.GetLength(0)} × {values.GetLength(1)}.", name);
        for (int i = 0; i < rows; i++)
            for (int k = 0; k < columns; k++)
            {
                double v = values[i, k];
                if (!double.IsFinite(v) || (unitInterval && (v < 0 || v > 1)))
                    throw new ArgumentException($"{name}[{i}, {k}] = {v}: expected a {(unitInterval ? "probability in [0, 1]" : "finite number")}.", name);
            }
    }
}
