using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

public class PairedConcordanceTests
{
    private static (double[] T, bool[] E, double[] A, double[] B, string[] G) Case(int n, int seed)
    {
        var rng = new Random(seed);
        var t = Enumerable.Range(0, n).Select(_ => (double)(1 + rng.Next(12))).ToArray();
        var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.6).ToArray();
        var a = t.Select(x => -x + 3 * rng.NextDouble()).ToArray(); // informative
        var b = Enumerable.Range(0, n).Select(_ => (double)rng.Next(5)).ToArray(); // noise with ties
        var g = Enumerable.Range(0, n).Select(i => $"P{i / 3}").ToArray(); // patients of up to 3 slides
        e[0] = true;
        return (t, e, a, b, g);
    }

    /// <summary>The bootstrap written out plainly: the documented draw scheme, an O(n²) pair count, the R7 quantile.</summary>
    private static (double Diff, double Lo, double Hi, double P, int Valid) BruteForce(
        double[] t, bool[] e, double[] a, double[] b, string[]? g, int resamples, int seed)
    {
        static double? C(double[] t, bool[] e, double[] r)
        {
            var (c, d, tr, _, _) = ConcordanceTests.NaiveHarrell(t, e, r);
            return c + d + tr == 0 ? null : (c + 0.5 * tr) / (c + d + tr);
        }
        var units = new List<List<int>>();
        var seen = new Dictionary<string, List<int>>();
        for (int i = 0; i < t.Length; i++)
        {
            string key = g?[i] ?? i.ToString();
            if (!seen.TryGetValue(key, out var list)) { seen[key] = list = []; units.Add(list); }
            list.Add(i);
        }
        var master = new Random(seed);
        var seeds = new int[resamples];
        for (int r = 0; r < resamples; r++) seeds[r] = master.Next();
        var diffs = new List<double>();
        for (int r = 0; r < resamples; r++)
        {
            var rng = new Random(seeds[r]);
            var idx = new List<int>();
            for (int k = 0; k < units.Count; k++) idx.AddRange(units[rng.Next(units.Count)]);
            var bt = idx.Select(i => t[i]).ToArray();
            var be = idx.Select(i => e[i]).ToArray();
            var ca = C(bt, be, idx.Select(i => a[i]).ToArray());
            var cb = C(bt, be, idx.Select(i => b[i]).ToArray());
            if (ca is { } x && cb is { } y) diffs.Add(x - y);
        }
        diffs.Sort();
        double Q(double p) // R type 7
        {
            double h = (diffs.Count - 1) * p;
            int lo = (int)Math.Floor(h);
            return lo + 1 < diffs.Count ? diffs[lo] + (h - lo) * (diffs[lo + 1] - diffs[lo]) : diffs[lo];
        }
        int below = diffs.Count(d => d <= 0), above = diffs.Count(d => d >= 0);
        return (C(t, e, a)!.Value - C(t, e, b)!.Value, Q(0.025), Q(0.975),
            Math.Min(1, 2.0 * (Math.Min(below, above) + 1) / (diffs.Count + 1)), diffs.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Agrees_with_a_brute_force_bootstrap_with_the_same_seeds(bool byPatient)
    {
        var (t, e, a, b, g) = Case(40, 3);
        var groups = byPatient ? g : null;
        var fast = PairedConcordance.Compare(t, e, a, b, groups, resamples: 300, seed: 11);
        var slow = BruteForce(t, e, a, b, groups, 300, 11);
        Assert.Equal(slow.Diff, fast.Difference, 12);
        Assert.Equal(slow.Lo, fast.Lower, 12);
        Assert.Equal(slow.Hi, fast.Upper, 12);
        Assert.Equal(slow.P, fast.PValue, 12);
        Assert.Equal(slow.Valid, fast.Resamples);
        Assert.Equal((11, byPatient ? "group" : "subject", byPatient ? 14 : 40), (fast.Seed, fast.ResamplingUnit, fast.Units));
    }

    [Fact]
    public void A_scoring_against_itself_differs_by_zero_with_p_one()
    {
        var (t, e, a, _, g) = Case(30, 5);
        var r = PairedConcordance.Compare(t, e, a, a, g, resamples: 200);
        Assert.Equal((0.0, 0.0, 0.0, 1.0), (r.Difference, r.Lower, r.Upper, r.PValue));
        Assert.Equal(r.CIndexA, r.CIndexB);
    }

    [Fact]
    public void Swapping_the_scorings_negates_the_difference_and_its_interval()
    {
        var (t, e, a, b, _) = Case(50, 8);
        var ab = PairedConcordance.Compare(t, e, a, b, resamples: 400, seed: 2);
        var ba = PairedConcordance.Compare(t, e, b, a, resamples: 400, seed: 2);
        Assert.Equal(-ab.Difference, ba.Difference, 14);
        Assert.Equal(-ab.Upper, ba.Lower, 14);
        Assert.Equal(-ab.Lower, ba.Upper, 14);
        Assert.Equal(ab.PValue, ba.PValue, 14);
        // The informative scoring beats noise clearly on this case; the interval excludes 0 and p is small.
        Assert.True(ab.Lower > 0 && ab.PValue < 0.05, $"difference {ab.Difference} [{ab.Lower}, {ab.Upper}], p {ab.PValue}");
    }

    [Fact]
    public void Slides_of_one_patient_move_together()
    {
        // Each patient appears twice with identical slides. Resampling by patient draws whole pairs: every resample is
        // a resample of the single-copy data, doubled, and doubling leaves C unchanged (the copies are never a
        // comparable pair: same time, and two deaths at one time are not compared). So the grouped comparison of the
        // doubled data equals the ungrouped comparison of the single copies, resample for resample.
        var (t, e, a, b, _) = Case(35, 9);
        double[] Twice(double[] x) => x.SelectMany(v => new[] { v, v }).ToArray();
        var ids = Enumerable.Range(0, t.Length).SelectMany(i => new[] { $"P{i}", $"P{i}" }).ToArray();
        var doubled = PairedConcordance.Compare(Twice(t), e.SelectMany(v => new[] { v, v }).ToArray(), Twice(a), Twice(b), ids, 250, seed: 4);
        var single = PairedConcordance.Compare(t, e, a, b, null, 250, seed: 4);
        Assert.Equal((single.Difference, single.Lower, single.Upper, single.PValue), (doubled.Difference, doubled.Lower, doubled.Upper, doubled.PValue));
        // Resampled slide by slide instead, the copies split and the interval is a different one.
        var bySlide = PairedConcordance.Compare(Twice(t), e.SelectMany(v => new[] { v, v }).ToArray(), Twice(a), Twice(b), null, 250, seed: 4);
        Assert.NotEqual((single.Lower, single.Upper), (bySlide.Lower, bySlide.Upper));
    }

    [Fact]
    public void Mean_over_one_scoring_per_side_is_the_plain_comparison()
    {
        var (t, e, a, b, g) = Case(30, 12);
        var plain = PairedConcordance.Compare(t, e, a, b, g, 200, seed: 1);
        var means = PairedConcordance.CompareMeans(t, e, [a], [b], g, 200, seed: 1);
        Assert.Equal(plain, means);
        // Two seeds of A: the estimate is the mean of their Cs.
        var a2 = a.Select(x => -x).ToArray();
        var two = PairedConcordance.CompareMeans(t, e, [a, a2], [b], g, 200, seed: 1);
        double ca = new HarrellConcordance().Fit(t, e, a).CIndex, ca2 = new HarrellConcordance().Fit(t, e, a2).CIndex;
        Assert.Equal((ca + ca2) / 2, two.CIndexA, 14);
        Assert.Equal((2, 1), (two.ScoringsA, two.ScoringsB));
    }

    [Fact]
    public void Bad_input_is_named()
    {
        var (t, e, a, b, g) = Case(10, 1);
        var shortB = b.Take(9).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => PairedConcordance.Compare(t, e, a, shortB));
        Assert.Equal("riskB", ex.ParamName);
        var nanA = (double[])a.Clone();
        nanA[4] = double.NaN;
        ex = Assert.Throws<ArgumentException>(() => PairedConcordance.Compare(t, e, nanA, b));
        Assert.Equal("riskA", ex.ParamName);
        Assert.Contains("riskA[4]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => PairedConcordance.Compare(t, e, a, b, g.Take(3).ToArray()));
        Assert.Equal("groups", ex.ParamName);
        Assert.Throws<NoComparablePairsException>(() => PairedConcordance.Compare(t, new bool[10], a, b));
    }
}
