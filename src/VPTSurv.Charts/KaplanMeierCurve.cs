namespace VPTSurv.Charts;

/// <summary>One row of a Kaplan–Meier table: an observed time with its counts and the estimate just after it.</summary>
/// <param name="Time">The observed time (event or censoring), &gt; 0.</param>
/// <param name="AtRisk">Subjects still at risk just before <paramref name="Time"/>.</param>
/// <param name="Events">Events (deaths) observed at <paramref name="Time"/>.</param>
/// <param name="Censored">Subjects censored at <paramref name="Time"/>.</param>
/// <param name="Survival">The survival estimate S(t) just after <paramref name="Time"/>.</param>
/// <param name="Lower">Lower confidence limit of S(t); NaN where undefined (drawn as S(t)).</param>
/// <param name="Upper">Upper confidence limit of S(t); NaN where undefined (drawn as S(t)).</param>
public sealed record SurvivalStep(double Time, int AtRisk, int Events, int Censored, double Survival, double Lower, double Upper);

/// <summary>
/// A group's Kaplan–Meier curve as the chart draws it: the table of every observed time (events and censorings), in
/// increasing order, as R's <c>survfit</c> and the survival toolkit report it.
/// </summary>
public sealed record KaplanMeierCurve
{
    /// <summary>The group's name, shown in the legend and the at-risk table.</summary>
    public string Label { get; }

    /// <summary>The table, one row per distinct observed time, times strictly increasing.</summary>
    public IReadOnlyList<SurvivalStep> Steps { get; }

    /// <summary>Validates and wraps a Kaplan–Meier table.</summary>
    /// <exception cref="ArgumentException">When the table is empty, unordered, or holds impossible values; the message names the row.</exception>
    public KaplanMeierCurve(string label, IEnumerable<SurvivalStep> steps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentNullException.ThrowIfNull(steps);
        var list = steps.ToArray();
        if (list.Length == 0) throw new ArgumentException($"Kaplan–Meier curve '{label}' has no rows.", nameof(steps));
        for (int i = 0; i < list.Length; i++)
        {
            var s = list[i];
            string Where() => $"Kaplan–Meier curve '{label}', row {i} (time {s.Time})";
            if (!double.IsFinite(s.Time) || s.Time < 0)
                throw new ArgumentException($"{Where()}: time must be finite and >= 0.", nameof(steps));
            if (i > 0 && s.Time <= list[i - 1].Time)
                throw new ArgumentException($"{Where()}: times must be strictly increasing (previous row has {list[i - 1].Time}).", nameof(steps));
            if (s.AtRisk <= 0 || s.Events < 0 || s.Censored < 0 || s.Events + s.Censored > s.AtRisk)
                throw new ArgumentException($"{Where()}: expected 0 <= events + censored <= at risk and at risk > 0, got at risk {s.AtRisk}, events {s.Events}, censored {s.Censored}.", nameof(steps));
            if (i > 0 && s.AtRisk != list[i - 1].AtRisk - list[i - 1].Events - list[i - 1].Censored)
                throw new ArgumentException($"{Where()}: at risk {s.AtRisk} does not follow from the previous row ({list[i - 1].AtRisk} - {list[i - 1].Events} - {list[i - 1].Censored}); every observed time must have a row.", nameof(steps));
            if (!(s.Survival is >= 0 and <= 1))
                throw new ArgumentException($"{Where()}: survival {s.Survival} is outside [0, 1].", nameof(steps));
            if (i > 0 && s.Survival > list[i - 1].Survival + 1e-12)
                throw new ArgumentException($"{Where()}: survival rises from {list[i - 1].Survival} to {s.Survival}.", nameof(steps));
        }
        Label = label;
        Steps = list;
    }

    /// <summary>Subjects in the group (at risk at time 0).</summary>
    public int Count => Steps[0].AtRisk;

    /// <summary>Events observed in the group.</summary>
    public int EventCount => Steps.Sum(s => s.Events);

    /// <summary>The last observed time (event or censoring).</summary>
    public double LastTime => Steps[^1].Time;

    /// <summary>S(t): 1 before the first event, then the estimate of the last row at or before <paramref name="time"/>.</summary>
    public double SurvivalAt(double time)
    {
        double s = 1;
        foreach (var step in Steps)
        {
            if (step.Time > time) break;
            s = step.Survival;
        }
        return s;
    }

    /// <summary>Number at risk at <paramref name="time"/>: subjects whose observed time is &gt;= <paramref name="time"/>.</summary>
    public int AtRiskAt(double time)
    {
        foreach (var step in Steps)
            if (step.Time >= time) return step.AtRisk;
        return 0;
    }

    /// <summary>The median survival time: the first time with S(t) &lt;= 0.5, or null when the curve stays above.</summary>
    public double? MedianTime => Steps.FirstOrDefault(s => s.Survival <= 0.5)?.Time;

    /// <summary>
    /// The corner points of the step function from (0, 1) to the last observed time, for drawing with straight
    /// segments: each drop of the survival estimate at t becomes (t, previous) then (t, new). The corners are placed
    /// where the survival estimate drops, whichever value is traced, so the three paths share their x coordinates and
    /// a confidence band can be filled between them.
    /// </summary>
    /// <param name="select">Which value to trace (survival, lower or upper limit).</param>
    public (double[] X, double[] Y) StepPath(StepValue select = StepValue.Survival)
    {
        var xs = new List<double> { 0 };
        var ys = new List<double> { 1 };
        double survival = 1;
        foreach (var step in Steps)
        {
            if (step.Survival == survival) continue;
            survival = step.Survival;
            xs.Add(step.Time); ys.Add(ys[^1]);
            xs.Add(step.Time); ys.Add(Pick(step, select));
        }
        if (xs[^1] < LastTime) { xs.Add(LastTime); ys.Add(ys[^1]); }
        return (xs.ToArray(), ys.ToArray());
    }

    /// <summary>Times at which subjects were censored and the curve's height there (the censor ticks).</summary>
    public (double[] X, double[] Y) CensorMarks()
    {
        var rows = Steps.Where(s => s.Censored > 0).ToArray();
        return (rows.Select(s => s.Time).ToArray(), rows.Select(s => s.Survival).ToArray());
    }

    private static double Pick(SurvivalStep s, StepValue v) => v switch
    {
        StepValue.Lower => double.IsNaN(s.Lower) ? s.Survival : s.Lower,
        StepValue.Upper => double.IsNaN(s.Upper) ? s.Survival : s.Upper,
        _ => s.Survival,
    };
}

/// <summary>Which value of a Kaplan–Meier row a path traces.</summary>
public enum StepValue
{
    /// <summary>The survival estimate.</summary>
    Survival,
    /// <summary>The lower confidence limit.</summary>
    Lower,
    /// <summary>The upper confidence limit.</summary>
    Upper,
}
