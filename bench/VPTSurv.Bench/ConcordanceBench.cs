using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Survival;

namespace VPTSurv.Bench;

/// <summary>
/// Harrell's C: the O(n log n) sweep for n = 1e3 … 1e6, and in the same run a naive O(n^2) pair count for
/// n &lt;= 2e4, with the time ratio and a check that both give the same counts.
/// </summary>
internal static class ConcordanceBench
{
    private static (double[] Time, bool[] Event, double[] Risk) Data(int n, int seed)
    {
        var rng = new Random(seed);
        var risk = new double[n];
        var time = new double[n];
        var ev = new bool[n];
        for (int i = 0; i < n; i++)
        {
            risk[i] = Math.Round(rng.NextDouble() * 4, 3);             // ~4000 distinct values: ties in risk
            double death = -Math.Log(1 - rng.NextDouble()) / Math.Exp(risk[i] - 2);
            double censor = -Math.Log(1 - rng.NextDouble()) * 3;
            time[i] = Math.Round(Math.Min(death, censor), 2) + 0.01;     // rounded: ties in time
            ev[i] = death <= censor;
        }
        return (time, ev, risk);
    }

    private static (long Concordant, long Discordant, long Tied) Naive(double[] t, bool[] e, double[] r)
    {
        long c = 0, d = 0, tied = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (!e[i]) continue;
            for (int j = 0; j < t.Length; j++)
            {
                if (t[i] < t[j] || (t[i] == t[j] && !e[j]))
                {
                    if (r[i] > r[j]) c++; else if (r[i] < r[j]) d++; else tied++;
                }
            }
        }
        return (c, d, tied);
    }

    /// <summary>Best wall time of <paramref name="repeats"/> runs, in seconds (shared by the survival benches).</summary>
    internal static double Seconds(Action run, int repeats)
    {
        double best = double.MaxValue;
        for (int k = 0; k < repeats; k++)
        {
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    [Benchmark("concordance")]
    public static JsonNode Run()
    {
        var rows = new JsonArray();
        new HarrellConcordance().Fit([1.0, 2.0], [true, false], [1.0, 0.0]); // JIT warm-up
        foreach (int n in new[] { 1_000, 10_000, 20_000, 100_000, 1_000_000 })
        {
            var (t, e, r) = Data(n, n);
            ConcordanceResult? fast = null;
            double fastSeconds = Seconds(() => fast = new HarrellConcordance().Fit(t, e, r), n <= 100_000 ? 5 : 3);
            var row = new JsonObject
            {
                ["n"] = n,
                ["c_index"] = Math.Round(fast!.CIndex, 6),
                ["comparable_pairs"] = fast.Comparable,
                ["fast_seconds"] = Math.Round(fastSeconds, 5),
            };
            if (n <= 20_000)
            {
                (long, long, long) naive = default;
                double naiveSeconds = Seconds(() => naive = Naive(t, e, r), n <= 1_000 ? 3 : 1);
                row["naive_seconds"] = Math.Round(naiveSeconds, 5);
                row["naive_over_fast"] = Math.Round(naiveSeconds / fastSeconds, 1);
                row["counts_agree"] = naive == (fast.Concordant, fast.Discordant, fast.TiedRisk);
            }
            rows.Add(row);
        }
        return new JsonObject
        {
            ["what"] = "Harrell C, O(n log n) sweep vs naive O(n^2) pair count (best of repeats, one thread)",
            ["goal"] = "n = 1e6 under 2 s",
            ["rows"] = rows,
        };
    }
}
