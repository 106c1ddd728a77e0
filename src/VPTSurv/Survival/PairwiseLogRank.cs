namespace VPTSurv.Survival;

/// <summary>Multiple-comparison adjustment of p-values (R's <c>p.adjust</c>).</summary>
public enum PAdjustment
{
    /// <summary>No adjustment.</summary>
    None,

    /// <summary>Bonferroni: min(1, m·p).</summary>
    Bonferroni,

    /// <summary>Holm's step-down method (controls the family-wise error).</summary>
    Holm,

    /// <summary>Benjamini–Hochberg (controls the false discovery rate).</summary>
    BenjaminiHochberg,
}

/// <summary>
/// Log-rank tests between every pair of groups (each on the subjects of the two groups only), with adjusted
/// p-values, as survminer's <c>pairwise_survdiff</c>.
/// </summary>
/// <param name="Test">The (weighted) test run on each pair.</param>
/// <param name="Adjustment">p-value adjustment over the pairs (Holm by default).</param>
public sealed record PairwiseLogRank(LogRankTest Test, PAdjustment Adjustment = PAdjustment.Holm)
{
    /// <summary>Runs every pairwise test.</summary>
    /// <exception cref="ArgumentException">Bad input (argument and index named) or fewer than two groups.</exception>
    public PairwiseLogRankResult Fit<TGroup>(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<TGroup> group)
        where TGroup : notnull
    {
        ArgumentNullException.ThrowIfNull(Test);
        var (labels, g) = LogRankCore.Check(time, eventObserved, group);
        var rows = new List<PairwiseLogRankRow>();
        for (int a = 0; a < labels.Length; a++)
            for (int b = a + 1; b < labels.Length; b++)
            {
                var idx = Enumerable.Range(0, g.Length).Where(i => g[i] == a || g[i] == b).ToArray();
                var r = Test.Fit(idx.Select(i => time[i]).ToArray(), idx.Select(i => eventObserved[i]).ToArray(), idx.Select(i => g[i]).ToArray());
                rows.Add(new PairwiseLogRankRow(labels[a], labels[b], r.ChiSquare, r.PValue, double.NaN));
            }
        var adjusted = PValues.Adjust(rows.Select(r => r.PValue).ToArray(), Adjustment);
        return new PairwiseLogRankResult([.. rows.Select((r, k) => r with { AdjustedPValue = adjusted[k] })], Adjustment, Test.WeightName);
    }
}

/// <summary>One pair of <see cref="PairwiseLogRankResult"/>.</summary>
/// <param name="GroupA">First group.</param>
/// <param name="GroupB">Second group.</param>
/// <param name="ChiSquare">Test statistic on the pair's subjects (1 df, 0 if only one group there has expected deaths).</param>
/// <param name="PValue">Unadjusted p-value.</param>
/// <param name="AdjustedPValue">Adjusted p-value.</param>
public sealed record PairwiseLogRankRow(string GroupA, string GroupB, double ChiSquare, double PValue, double AdjustedPValue);

/// <summary>Pairwise tests with their adjustment.</summary>
/// <param name="Pairs">One row per pair of groups, in label order.</param>
/// <param name="Adjustment">The p-value adjustment.</param>
/// <param name="Test">The weighting used.</param>
public sealed record PairwiseLogRankResult(PairwiseLogRankRow[] Pairs, PAdjustment Adjustment, string Test) : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new($"Pairwise {Test} tests ({Adjustment} adjustment)",
        ["group a", "group b", "chi-square", "p", "adjusted p"],
        [.. Pairs.Select(p => (IReadOnlyList<object>)[p.GroupA, p.GroupB, p.ChiSquare, p.PValue, p.AdjustedPValue])]);
}

/// <summary>p-value adjustments as R's <c>p.adjust</c> (NaN entries are kept and not counted).</summary>
public static class PValues
{
    /// <summary>Adjusts <paramref name="p"/> with <paramref name="method"/>.</summary>
    public static double[] Adjust(IReadOnlyList<double> p, PAdjustment method)
    {
        ArgumentNullException.ThrowIfNull(p);
        var result = p.ToArray();
        var idx = Enumerable.Range(0, p.Count).Where(i => !double.IsNaN(p[i])).ToArray();
        int m = idx.Length;
        if (m == 0 || method == PAdjustment.None) return result;
        switch (method)
        {
            case PAdjustment.Bonferroni:
                foreach (int i in idx) result[i] = Math.Min(1, m * p[i]);
                break;
            case PAdjustment.Holm:
            {
                var asc = idx.OrderBy(i => p[i]).ToArray();
                double running = 0;
                for (int r = 0; r < m; r++)
                {
                    running = Math.Max(running, (m - r) * p[asc[r]]);
                    result[asc[r]] = Math.Min(1, running);
                }
                break;
            }
            default:
            {
                var desc = idx.OrderByDescending(i => p[i]).ToArray();
                double running = double.PositiveInfinity;
                for (int r = 0; r < m; r++)
                {
                    running = Math.Min(running, (double)m / (m - r) * p[desc[r]]);
                    result[desc[r]] = Math.Min(1, running);
                }
                break;
            }
        }
        return result;
    }
}

/// <summary>
/// The log-rank test for trend over ordered groups: with a numeric score s_g per group and the log-rank O - E and
/// covariance V, U = Σ s_g (O_g - E_g), Var U = sᵀ V s and chi-square = U² / Var U on 1 df.
/// </summary>
/// <param name="Test">Weighting of the underlying log-rank sums (plain log-rank by default).</param>
public sealed record LogRankTrend(LogRankTest? Test = null)
{
    /// <summary>Tests for a monotone trend of hazard with the subjects' group scores (the group labels are the scores).</summary>
    public LogRankTrendResult Fit(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> score)
    {
        var test = Test ?? new LogRankTest();
        var (_, g) = LogRankCore.Check(time, eventObserved, score);
        SurvivalInput.CheckFinite(score, nameof(score));
        var scores = score.Distinct().Order().ToArray();
        var t = LogRankCore.Sums(SurvivalInput.ToArray(time), SurvivalInput.ToArray(eventObserved), g, scores.Length, null, test.WeightAt);
        double u = 0, v = 0;
        for (int a = 0; a < scores.Length; a++)
        {
            u += scores[a] * (t.Observed[a] - t.Expected[a]);
            for (int b = 0; b < scores.Length; b++) v += scores[a] * t.Variance[a, b] * scores[b];
        }
        double chi = u * u / v;
        return new LogRankTrendResult(scores, u, v, chi, LogRankCore.ChiSquareUpper(chi, 1));
    }
}

/// <summary>Result of <see cref="LogRankTrend"/>.</summary>
/// <param name="Scores">The distinct group scores, ascending.</param>
/// <param name="U">Σ s_g (O_g - E_g).</param>
/// <param name="Variance">sᵀ V s.</param>
/// <param name="ChiSquare">U² / Variance (1 df).</param>
/// <param name="PValue">Chi-square upper tail.</param>
public sealed record LogRankTrendResult(double[] Scores, double U, double Variance, double ChiSquare, double PValue) : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new("Log-rank test for trend",
        ["U", "var U", "chi-square", "df", "p"], [[U, Variance, ChiSquare, 1.0, PValue]]);
}
