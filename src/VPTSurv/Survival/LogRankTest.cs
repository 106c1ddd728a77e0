using System.Buffers;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Survival;

/// <summary>Weight of each death time in a weighted log-rank test (n = pooled at risk, S = pooled Kaplan–Meier just before).</summary>
public enum LogRankWeight
{
    /// <summary>w = 1: the log-rank test (R's <c>survdiff</c>, rho = 0).</summary>
    LogRank,

    /// <summary>w = n: Gehan–Breslow (generalized Wilcoxon).</summary>
    GehanWilcoxon,

    /// <summary>w = sqrt(n): Tarone–Ware.</summary>
    TaroneWare,

    /// <summary>w = S(t-): Peto–Peto as R's <c>survdiff(rho = 1)</c>.</summary>
    PetoPeto,

    /// <summary>w = S(t-)^p (1 - S(t-))^q: Fleming–Harrington G(p, q).</summary>
    FlemingHarrington,
}

/// <summary>
/// The k-sample (weighted, optionally stratified) log-rank test of equal survival, as R's <c>survdiff</c>: at each
/// death time t with n at risk and d deaths, weight w(t), observed w·d_g, expected w·d·n_g/n and the hypergeometric
/// covariance w² d (n - d) / (n - 1) / n · (diag(n_g) - n_g n_gᵀ / n). With strata the sums are taken within each
/// stratum (its own risk sets and Kaplan–Meier weights) and added. Chi-square = (O - E)ᵀ V⁻ (O - E) over the groups
/// with expected deaths but one; p from the chi-square upper tail.
/// </summary>
/// <param name="Weight">Weight of each death time (log-rank by default).</param>
/// <param name="P">Fleming–Harrington p (only for <see cref="LogRankWeight.FlemingHarrington"/>).</param>
/// <param name="Q">Fleming–Harrington q (only for <see cref="LogRankWeight.FlemingHarrington"/>).</param>
public sealed record LogRankTest(LogRankWeight Weight = LogRankWeight.LogRank, double P = 0, double Q = 0)
{
    /// <summary>Tests whether the groups' survival differs.</summary>
    /// <typeparam name="TGroup">Any label type (string, int, bool, enum…); groups are ordered by its default comparer.</typeparam>
    /// <param name="time">Follow-up times.</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="group">Group label of each subject (at least two distinct).</param>
    /// <exception cref="ArgumentException">Bad input (argument and index named) or fewer than two groups.</exception>
    public LogRankResult Fit<TGroup>(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<TGroup> group) where TGroup : notnull
        => Fit<TGroup, int>(time, eventObserved, group, null);

    /// <summary>Tests whether the groups' survival differs within strata (the stratified test).</summary>
    /// <param name="time">Follow-up times.</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="group">Group label of each subject.</param>
    /// <param name="strata">Stratum label of each subject; null = one stratum.</param>
    public LogRankResult Fit<TGroup, TStratum>(
        IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<TGroup> group, IReadOnlyList<TStratum>? strata)
        where TGroup : notnull where TStratum : notnull
    {
        var (labels, g) = LogRankCore.Check(time, eventObserved, group);
        int[]? s = null;
        if (strata is not null)
        {
            SurvivalInput.CheckSameLength(time.Count, strata.Count, nameof(strata));
            s = Labels.Encode(strata, nameof(strata), out _);
        }
        if (Weight == LogRankWeight.FlemingHarrington && !(P >= 0 && Q >= 0 && double.IsFinite(P) && double.IsFinite(Q)))
            throw new ArgumentOutOfRangeException(nameof(P), $"Fleming–Harrington p = {P}, q = {Q}: both must be finite and >= 0.");
        var sums = LogRankCore.Sums(SurvivalInput.ReadOnlyArray(time), SurvivalInput.ReadOnlyArray(eventObserved), g, labels.Length, s, WeightAt);
        return LogRankCore.Result(labels, sums, this);
    }

    /// <summary>Tests whether the groups' survival differs (targets and one group label per subject).</summary>
    public LogRankResult Fit<TGroup>(SurvivalTargets targets, IReadOnlyList<TGroup> group) where TGroup : notnull
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Fit(targets.Time, targets.EventObserved, group);
    }

    internal double WeightAt(double atRisk, double survivalBefore) => Weight switch
    {
        LogRankWeight.LogRank => 1,
        LogRankWeight.GehanWilcoxon => atRisk,
        LogRankWeight.TaroneWare => Math.Sqrt(atRisk),
        LogRankWeight.PetoPeto => survivalBefore,
        _ => Math.Pow(survivalBefore, P) * Math.Pow(1 - survivalBefore, Q),
    };

    /// <summary>Name of the weighting, e.g. "Fleming–Harrington(1, 0)".</summary>
    public string WeightName => Weight switch
    {
        LogRankWeight.LogRank => "log-rank",
        LogRankWeight.GehanWilcoxon => "Gehan–Wilcoxon",
        LogRankWeight.TaroneWare => "Tarone–Ware",
        LogRankWeight.PetoPeto => "Peto–Peto",
        _ => FormattableString.Invariant($"Fleming–Harrington({P}, {Q})"),
    };
}

/// <summary>Result of a <see cref="LogRankTest"/>.</summary>
/// <param name="Groups">Group labels (as text), in the order of the label type's comparer; the arrays follow it.</param>
/// <param name="Observed">Weighted observed deaths per group.</param>
/// <param name="Expected">Weighted expected deaths per group under equal survival.</param>
/// <param name="Variance">Covariance matrix of Observed - Expected.</param>
/// <param name="ChiSquare">The test statistic.</param>
/// <param name="DegreesOfFreedom">Groups with expected deaths, minus one.</param>
/// <param name="PValue">Chi-square upper tail (NaN when DegreesOfFreedom is 0).</param>
/// <param name="Test">The weighting used.</param>
public sealed record LogRankResult(
    string[] Groups, double[] Observed, double[] Expected, double[,] Variance, double ChiSquare, int DegreesOfFreedom,
    double PValue, string Test = "log-rank") : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new(
        FormattableString.Invariant($"{Test} test: chi-square = {ChiSquare:G6} on {DegreesOfFreedom} df, p = {PValue:G4}"),
        ["group", "observed", "expected", "(O-E)^2/E"],
        [.. Groups.Select((g, k) => (IReadOnlyList<object>)[g, Observed[k], Expected[k],
            Expected[k] > 0 ? (Observed[k] - Expected[k]) * (Observed[k] - Expected[k]) / Expected[k] : double.NaN])]);
}

/// <summary>Label encoding shared by the tests: distinct labels in comparer order, text via invariant culture.</summary>
internal static class Labels
{
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int[] Encode<T>(IReadOnlyList<T> values, string name, out string[] text) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(values, name);
        for (int i = 0; i < values.Count; i++)
            if (values[i] is null) throw new ArgumentException($"{name}[{i}] is null; every subject needs a label.", name);
        // One dictionary look-up per subject (codes in order of first appearance), then the few distinct labels are
        // sorted and the codes mapped to their rank.
        var seen = new Dictionary<T, int>();
        var code = new int[values.Count];
        for (int i = 0; i < code.Length; i++)
        {
            if (!seen.TryGetValue(values[i], out int c)) seen.Add(values[i], c = seen.Count);
            code[i] = c;
        }
        var distinct = seen.Keys.Order().ToArray();
        var rankOf = new int[distinct.Length];
        for (int k = 0; k < distinct.Length; k++) rankOf[seen[distinct[k]]] = k;
        for (int i = 0; i < code.Length; i++) code[i] = rankOf[code[i]];
        text = distinct.Select(v => SurvivalTable.Format(v is bool b ? (b ? "true" : "false") : v)).ToArray();
        return code;
    }
}

/// <summary>The sums and chi-square shared by the log-rank family.</summary>
internal static class LogRankCore
{
    public readonly record struct Totals(double[] Observed, double[] Expected, double[,] Variance);

    public static (string[] Labels, int[] Group) Check<TGroup>(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<TGroup> group)
        where TGroup : notnull
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        ArgumentNullException.ThrowIfNull(group);
        SurvivalInput.CheckSameLength(time.Count, group.Count, nameof(group));
        var g = Labels.Encode(group, nameof(group), out var labels);
        if (labels.Length < 2)
            throw new ArgumentException(
                $"the log-rank test needs at least two groups; every subject is in group {(labels.Length == 1 ? labels[0] : "(none: no subjects)")}.", nameof(group));
        return (labels, g);
    }

    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static Totals Sums(double[] time, bool[] ev, int[] g, int k, int[]? strata, Func<double, double, double> weight)
    {
        int n = time.Length;
        var observed = new double[k];
        var expected = new double[k];
        var variance = new double[k, k];
        // Stratum first, then time: each stratum's subjects are one contiguous, time-ascending block. The sweep reads
        // the times in that order and, per subject, its group and event packed in one code (memory in sequence).
        // Without strata the codes are the payload of the sort by time (pooled buffers); with strata they are
        // gathered through the order.
        var ts = ArrayPool<double>.Shared.Rent(n);
        var code = ArrayPool<int>.Shared.Rent(n);
        var blockStarts = new List<int> { 0 };
        if (strata is null)
        {
            for (int i = 0; i < n; i++) code[i] = g[i] << 1 | (ev[i] ? 1 : 0);
            RadixOrder.WithPayload(time, code, ts);
        }
        else
        {
            var order = RadixOrder.ByStratumThen(strata, time);
            for (int s = 0; s < n; s++)
            {
                int i = order[s];
                (ts[s], code[s]) = (time[i], g[i] << 1 | (ev[i] ? 1 : 0));
                if (s > 0 && strata[i] != strata[order[s - 1]]) blockStarts.Add(s);
            }
        }
        blockStarts.Add(n);
        try
        {
            Sweep(ts, code, blockStarts, k, weight, observed, expected, variance);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(ts);
            ArrayPool<int>.Shared.Return(code);
        }
        return new Totals(observed, expected, variance);
    }

    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Sweep(double[] ts, int[] code, List<int> blockStarts, int k, Func<double, double, double> weight,
        double[] observed, double[] expected, double[,] variance)
    {
        var atRisk = new double[k];
        var deaths = new double[k];
        for (int block = 0; block + 1 < blockStarts.Count; block++)
        {
            int blockStart = blockStarts[block], blockEnd = blockStarts[block + 1] - 1;
            if (blockEnd < blockStart) continue;
            Array.Clear(atRisk);
            for (int s = blockStart; s <= blockEnd; s++) atRisk[code[s] >> 1]++;
            double survival = 1;
            for (int start = blockStart; start <= blockEnd;)
            {
                int stop = start;
                while (stop + 1 <= blockEnd && ts[stop + 1] == ts[start]) stop++;
                Array.Clear(deaths);
                double d = 0;
                for (int s = start; s <= stop; s++)
                    if ((code[s] & 1) != 0) { deaths[code[s] >> 1]++; d++; }
                double nTotal = blockEnd + 1 - start;
                if (d > 0)
                {
                    double w = weight(nTotal, survival);
                    for (int a = 0; a < k; a++)
                    {
                        observed[a] += w * deaths[a];
                        expected[a] += w * d * atRisk[a] / nTotal;
                    }
                    if (nTotal > 1)
                    {
                        double factor = w * w * d * (nTotal - d) / (nTotal - 1) / nTotal;
                        for (int a = 0; a < k; a++)
                            for (int b = 0; b < k; b++)
                                variance[a, b] += factor * atRisk[a] * ((a == b ? 1 : 0) - atRisk[b] / nTotal);
                    }
                    survival *= 1 - d / nTotal;
                }
                for (int s = start; s <= stop; s++) atRisk[code[s] >> 1]--;
                start = stop + 1;
            }
        }
    }

    public static LogRankResult Result(string[] labels, Totals t, LogRankTest test)
    {
        // As R: only groups with expected deaths take part; one of them is dropped (V is singular over all).
        int k = labels.Length;
        var used = Enumerable.Range(0, k).Where(a => t.Expected[a] > 0).ToArray();
        double chi = 0;
        int df = used.Length - 1;
        if (df >= 1)
        {
            var keep = used.Skip(1).ToArray();
            var v = Matrix<double>.Build.Dense(keep.Length, keep.Length, (r, c) => t.Variance[keep[r], keep[c]]);
            var diff = Vector<double>.Build.Dense(keep.Length, r => t.Observed[keep[r]] - t.Expected[keep[r]]);
            chi = diff.DotProduct(v.Solve(diff));
        }
        return new LogRankResult(labels, t.Observed, t.Expected, t.Variance, chi, Math.Max(df, 0), ChiSquareUpper(chi, df), test.WeightName);
    }

    public static double ChiSquareUpper(double chi, int df) =>
        df >= 1 ? SpecialFunctions.GammaUpperRegularized(df / 2.0, Math.Max(chi, 0) / 2) : double.NaN;
}
