using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Survival;

/// <summary>
/// The log-rank test of equal survival in k &gt;= 2 groups (R's <c>survdiff</c> with rho = 0): at each death time,
/// expected deaths per group d·n_g/n and the hypergeometric covariance; chi-square = (O-E)' V⁻ (O-E) over all but one
/// group with expected deaths, p from the chi-square upper tail (MathNet's regularized gamma).
/// </summary>
public static class LogRank
{
    /// <summary>Tests whether the groups' survival differs.</summary>
    /// <param name="time">Follow-up times.</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="group">Group label of each subject (any integers; at least two distinct).</param>
    /// <exception cref="ArgumentException">Bad input (index named) or fewer than two groups.</exception>
    public static LogRankResult Test(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<int> group)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        ArgumentNullException.ThrowIfNull(group);
        SurvivalInput.CheckSameLength(time.Count, group.Count, nameof(group));
        var labels = group.Distinct().Order().ToArray();
        if (labels.Length < 2)
            throw new ArgumentException($"the log-rank test needs at least two groups; every subject is in group {(labels.Length == 1 ? labels[0] : "(none)")}.", nameof(group));
        var index = labels.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i);
        int n = time.Count, k = labels.Length;
        var g = new int[n];
        for (int i = 0; i < n; i++) g[i] = index[group[i]];

        var observed = new double[k];
        var expected = new double[k];
        var variance = new double[k, k];
        var atRisk = new double[k];
        for (int i = 0; i < n; i++) atRisk[g[i]]++;
        var order = Enumerable.Range(0, n).OrderBy(i => time[i]).ToArray();
        var deaths = new double[k];
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]]) stop++;
            Array.Clear(deaths);
            double d = 0;
            for (int s = start; s <= stop; s++)
                if (eventObserved[order[s]]) { deaths[g[order[s]]]++; d++; }
            double nTotal = n - start;
            if (d > 0)
            {
                for (int a = 0; a < k; a++)
                {
                    observed[a] += deaths[a];
                    expected[a] += d * atRisk[a] / nTotal;
                }
                if (nTotal > 1)
                {
                    double factor = d * (nTotal - d) / (nTotal - 1) / nTotal;
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                            variance[a, b] += factor * atRisk[a] * ((a == b ? 1 : 0) - atRisk[b] / nTotal);
                }
            }
            for (int s = start; s <= stop; s++) atRisk[g[order[s]]]--;
            start = stop + 1;
        }

        // As R: only groups with expected deaths take part; one of them is dropped (V is singular over all).
        var used = Enumerable.Range(0, k).Where(a => expected[a] > 0).ToArray();
        double chi = 0;
        int df = used.Length - 1;
        if (df >= 1)
        {
            var keep = used.Skip(1).ToArray();
            var v = Matrix<double>.Build.Dense(keep.Length, keep.Length, (r, c) => variance[keep[r], keep[c]]);
            var diff = Vector<double>.Build.Dense(keep.Length, r => observed[keep[r]] - expected[keep[r]]);
            chi = diff.DotProduct(v.Solve(diff));
        }
        double p = df >= 1 ? SpecialFunctions.GammaUpperRegularized(df / 2.0, chi / 2) : double.NaN;
        return new LogRankResult(labels, observed, expected, variance, chi, Math.Max(df, 0), p);
    }

    /// <summary>Tests whether the groups' survival differs (targets and one group label per subject).</summary>
    public static LogRankResult Test(SurvivalTargets targets, IReadOnlyList<int> group)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Test(targets.Time, targets.EventObserved, group);
    }
}

/// <summary>Result of <see cref="LogRank.Test(IReadOnlyList{double}, IReadOnlyList{bool}, IReadOnlyList{int})"/>.</summary>
/// <param name="Groups">Group labels, ascending; the per-group arrays follow this order.</param>
/// <param name="Observed">Observed deaths per group.</param>
/// <param name="Expected">Expected deaths per group under equal survival.</param>
/// <param name="Variance">Covariance matrix of Observed - Expected.</param>
/// <param name="ChiSquare">The log-rank statistic.</param>
/// <param name="DegreesOfFreedom">Groups with expected deaths, minus one.</param>
/// <param name="PValue">Upper tail of the chi-square distribution at <paramref name="ChiSquare"/>.</param>
public sealed record LogRankResult(
    int[] Groups, double[] Observed, double[] Expected, double[,] Variance, double ChiSquare, int DegreesOfFreedom, double PValue);
