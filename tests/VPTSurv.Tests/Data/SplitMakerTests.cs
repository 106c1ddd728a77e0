using VPTSurv.Data;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Data;

public class SplitMakerTests
{
    /// <summary>A cohort of <paramref name="n"/> patients with 1-3 slides each and about 60% events.</summary>
    private static Cohort RandomCohort(int n, ulong seed)
    {
        var rng = new SeededRandom(seed);
        var patients = new List<Patient>();
        for (int i = 0; i < n; i++)
        {
            string id = $"P{i:D3}";
            double t = 1 + 50 * rng.NextDouble();
            bool e = rng.NextDouble() < 0.6;
            var slides = Enumerable.Range(0, 1 + rng.NextInt(3)).Select(k => new SlideRecord($"{id}-S{k}", id, $"s{i}_{k}.svs", "CD8", t, e, null)).ToList();
            patients.Add(new Patient(id, t, e, null, new Dictionary<string, double>(), slides));
        }
        return new Cohort("random", patients);
    }

    [Theory]
    [InlineData(10UL)]
    [InlineData(11UL)]
    [InlineData(12UL)]
    public void Every_slide_of_a_patient_lands_in_the_patients_single_split(ulong seed)
    {
        var cohort = SplitMaker.Apply(RandomCohort(97, seed), SplitCounts.FromFractions(97, 0.7, 0.1, 0.2), seed);
        foreach (var group in cohort.Slides.GroupBy(s => s.PatientId))
            Assert.Single(group.Select(s => s.Split).Distinct());
        Assert.All(cohort.Slides, s => Assert.NotNull(s.Split));
        // Disjoint patient sets.
        var sets = Enum.GetValues<Split>().Select(s => cohort.PatientsIn(s).Select(p => p.PatientId).ToHashSet()).ToList();
        Assert.Empty(sets[0].Intersect(sets[1]));
        Assert.Empty(sets[0].Intersect(sets[2]));
        Assert.Empty(sets[1].Intersect(sets[2]));
    }

    [Fact]
    public void Split_counts_are_exact_and_events_are_shared_in_proportion()
    {
        var cohort = RandomCohort(200, 3);
        var counts = new SplitCounts(140, 20, 40);
        var split = SplitMaker.Apply(cohort, counts, 1);
        Assert.Equal(140, split.PatientsIn(Split.Train).Count());
        Assert.Equal(20, split.PatientsIn(Split.Val).Count());
        Assert.Equal(40, split.PatientsIn(Split.Test).Count());
        int events = cohort.Patients.Count(p => p.EventObserved);
        foreach (var (s, n) in new[] { (Split.Train, 140), (Split.Val, 20), (Split.Test, 40) })
        {
            double expected = events * n / 200.0;
            Assert.InRange(split.PatientsIn(s).Count(p => p.EventObserved), Math.Floor(expected), Math.Ceiling(expected));
        }
    }

    [Fact]
    public void Same_seed_same_split_regardless_of_input_order_and_another_seed_differs()
    {
        var cohort = RandomCohort(60, 4);
        var input = cohort.Patients.Select(p => (p.PatientId, p.EventObserved)).ToList();
        var counts = SplitCounts.FromFractions(60, 0.6, 0.2, 0.2);
        var a = SplitMaker.Assign(input, counts, 9);
        var b = SplitMaker.Assign(Enumerable.Reverse(input), counts, 9);
        var c = SplitMaker.Assign(input, counts, 10);
        Assert.Equal(a.OrderBy(kv => kv.Key), b.OrderBy(kv => kv.Key));
        Assert.NotEqual(a.OrderBy(kv => kv.Key), c.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Fractions_round_to_counts_that_add_up()
    {
        Assert.Equal(new SplitCounts(387, 61, 116), SplitCounts.FromFractions(564, 449, 71, 135));
        Assert.Equal(new SplitCounts(381, 62, 121), SplitCounts.FromFractions(564, 509, 83, 162));
        Assert.Equal(7, SplitCounts.FromFractions(7, 1, 1, 1).Total);
    }

    [Fact]
    public void Counts_that_do_not_add_up_or_duplicate_patients_are_rejected()
    {
        var input = new[] { ("a", true), ("b", false), ("c", true) };
        Assert.Throws<ArgumentException>(() => SplitMaker.Assign(input, new SplitCounts(1, 1, 2), 0));
        var e = Assert.Throws<ArgumentException>(() => SplitMaker.Assign([("a", true), ("a", false)], new SplitCounts(1, 1, 0), 0));
        Assert.Contains("'a'", e.Message);
    }
}
