using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

public class ConcordanceTests
{
    [Fact]
    public void Hand_counted_case_with_ties_in_time_and_risk()
    {
        // subject: 0     1     2     3     4
        // time:    1     2     2     3     4
        // event:   1     1     0     1     0
        // risk:    0.9   0.5   0.7   0.5   0.1
        // Comparable pairs (earlier death, later or tied-censored subject) and verdicts by hand:
        //  0-1 conc, 0-2 conc, 0-3 conc, 0-4 conc;  1-2 (tie in time, 2 censored: outlives) disc (0.5 < 0.7),
        //  1-3 tied risk, 1-4 conc;  3-4 conc.  -> 6 concordant, 1 discordant, 1 tied risk; C = 6.5 / 8.
        var r = new HarrellConcordance().Fit([1.0, 2, 2, 3, 4], [true, true, false, true, false], [0.9, 0.5, 0.7, 0.5, 0.1]);
        Assert.Equal((6L, 1L, 1L, 8L), (r.Concordant, r.Discordant, r.TiedRisk, r.Comparable));
        Assert.Equal(6.5 / 8, r.CIndex, 15);
    }

    [Fact]
    public void Two_deaths_at_the_same_time_are_not_compared()
    {
        var r = new HarrellConcordance().Fit([2.0, 2, 2, 5], [true, true, true, false], [1.0, 2.0, 2.0, 0.0]);
        Assert.Equal((3L, 0L, 0L), (r.Concordant, r.Discordant, r.TiedRisk));
        Assert.Equal((2L, 1L), (r.TiedTime, r.TiedTimeAndRisk));
    }

    [Fact]
    public void Agrees_with_a_naive_pair_count_on_random_data_with_many_ties()
    {
        var rng = new Random(7);
        for (int rep = 0; rep < 20; rep++)
        {
            int n = 5 + rng.Next(200);
            var t = Enumerable.Range(0, n).Select(_ => (double)(1 + rng.Next(15))).ToArray();
            var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.6).ToArray();
            var r = Enumerable.Range(0, n).Select(_ => (double)rng.Next(8)).ToArray();
            if (!e.Any(x => x)) e[0] = true;
            var naive = NaiveHarrell(t, e, r);
            var fast = new HarrellConcordance().Fit(t, e, r);
            Assert.Equal(naive, (fast.Concordant, fast.Discordant, fast.TiedRisk, fast.TiedTime, fast.TiedTimeAndRisk));
        }
    }

    /// <summary>Independent O(n^2) count of the R pair rules.</summary>
    internal static (long, long, long, long, long) NaiveHarrell(double[] t, bool[] e, double[] r)
    {
        long c = 0, d = 0, tr = 0, tt = 0, tb = 0;
        for (int i = 0; i < t.Length; i++)
            for (int j = 0; j < t.Length; j++)
            {
                if (i == j || !e[i]) continue;
                if (t[i] < t[j] || (t[i] == t[j] && !e[j]))
                {
                    if (r[i] > r[j]) c++; else if (r[i] < r[j]) d++; else tr++;
                }
                else if (t[i] == t[j] && e[j] && i < j)
                {
                    if (r[i] == r[j]) tb++; else tt++;
                }
            }
        return (c, d, tr, tt, tb);
    }

    [Fact]
    public void No_comparable_pair_is_a_typed_error()
    {
        Assert.Throws<NoComparablePairsException>(() => new HarrellConcordance().Fit([1.0, 2.0], [false, false], [0.1, 0.2]));
        Assert.Throws<NoComparablePairsException>(() => new HarrellConcordance().Fit([3.0, 3.0], [true, true], [0.1, 0.2]));
        Assert.Throws<NoComparablePairsException>(() => new HarrellConcordance().Fit([5.0, 2.0], [true, false], [0.1, 0.2]));
    }

    [Fact]
    public void Bad_risk_or_length_is_rejected_naming_the_index()
    {
        Assert.Contains("risk[1]", Assert.Throws<ArgumentException>(() => new HarrellConcordance().Fit([1.0, 2.0], [true, true], [0.1, double.NaN])).Message);
        Assert.Contains("risk has 1 entries", Assert.Throws<ArgumentException>(() => new HarrellConcordance().Fit([1.0, 2.0], [true, true], [0.1])).Message);
        Assert.Contains("time[0]", Assert.Throws<ArgumentException>(() => new HarrellConcordance().Fit([-1.0, 2.0], [true, true], [0.1, 0.2])).Message);
    }

    [Fact]
    public void Bootstrap_interval_is_reproducible_and_brackets_the_estimate()
    {
        var rng = new Random(3);
        int n = 150;
        var risk = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var time = risk.Select(x => -Math.Log(rng.NextDouble()) / (0.2 + x)).ToArray();
        var ev = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.7).ToArray();
        var a = new HarrellConcordance(Bootstrap: new BootstrapSettings(200, Seed: 11)).Fit(time, ev, risk).Bootstrap!;
        var b = new HarrellConcordance(Bootstrap: new BootstrapSettings(200, Seed: 11)).Fit(time, ev, risk).Bootstrap!;
        Assert.Equal(a, b);
        Assert.Equal(new HarrellConcordance().Fit(time, ev, risk).CIndex, a.Estimate);
        Assert.True(a.Lower < a.Estimate && a.Estimate < a.Upper, $"{a}");
        Assert.True(a.Estimate > 0.55, "risk drives the hazard, so C must exceed chance");
        Assert.Equal(200, a.Resamples + a.Skipped);
    }
}
