using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Data;

/// <summary>How many patients go to each split.</summary>
/// <param name="Train">Training patients.</param>
/// <param name="Val">Validation patients.</param>
/// <param name="Test">Test patients.</param>
public sealed record SplitCounts(int Train, int Val, int Test)
{
    /// <summary>All patients.</summary>
    public int Total => Train + Val + Test;

    /// <summary>Counts for <paramref name="patients"/> patients in proportions <paramref name="train"/> :
    /// <paramref name="val"/> : <paramref name="test"/> (largest-remainder rounding, so they add up exactly).</summary>
    public static SplitCounts FromFractions(int patients, double train, double val, double test)
    {
        if (patients < 0) throw new ArgumentOutOfRangeException(nameof(patients), patients, "Patient count must not be negative.");
        if (!(train >= 0 && val >= 0 && test >= 0) || !(train + val + test > 0))
            throw new ArgumentException($"Split fractions {train}:{val}:{test} must be non-negative with a positive sum.");
        var c = LargestRemainder(patients, [train, val, test]);
        return new SplitCounts(c[0], c[1], c[2]);
    }

    /// <summary>Splits <paramref name="total"/> into integers proportional to <paramref name="weights"/>.</summary>
    internal static int[] LargestRemainder(int total, double[] weights)
    {
        double sum = weights.Sum();
        var quota = weights.Select(w => total * w / sum).ToArray();
        var counts = quota.Select(q => (int)Math.Floor(q)).ToArray();
        int left = total - counts.Sum();
        // Ties broken by position, so the result is deterministic.
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => quota[i] - counts[i]).ThenBy(i => i).Take(left))
            counts[i]++;
        return counts;
    }
}

/// <summary>
/// Assigns patients to train / val / test: by patient (all slides of a patient go together), stratified by event so
/// that each split has the cohort's proportion of observed deaths, and reproducible from a seed.
/// </summary>
public static class SplitMaker
{
    /// <summary>
    /// A split for each patient. Within each event stratum the patients (sorted by id, so input order does not matter)
    /// are shuffled by <paramref name="seed"/> and dealt out; the event stratum's per-split counts are the
    /// largest-remainder share of <paramref name="counts"/>, the censored stratum takes the rest, so the totals are exact.
    /// </summary>
    public static IReadOnlyDictionary<string, Split> Assign(IEnumerable<(string PatientId, bool EventObserved)> patients, SplitCounts counts, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(counts);
        var list = patients.ToList();
        var dup = list.GroupBy(p => p.PatientId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new ArgumentException($"Patient '{dup.Key}' is listed {dup.Count()} times; give each patient once.", nameof(patients));
        if (counts.Train < 0 || counts.Val < 0 || counts.Test < 0 || counts.Total != list.Count)
            throw new ArgumentException($"Split counts {counts.Train}/{counts.Val}/{counts.Test} must be non-negative and add up to the {list.Count} patients.", nameof(counts));

        int[] total = [counts.Train, counts.Val, counts.Test];
        var events = list.Where(p => p.EventObserved).Select(p => p.PatientId).Order(StringComparer.Ordinal).ToList();
        var censored = list.Where(p => !p.EventObserved).Select(p => p.PatientId).Order(StringComparer.Ordinal).ToList();
        var eventCounts = total.Sum() == 0 ? [0, 0, 0] : SplitCounts.LargestRemainder(events.Count, [.. total.Select(t => (double)t)]);
        var censoredCounts = total.Zip(eventCounts, (t, e) => t - e).ToArray();

        var rng = new SeededRandom(seed);
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        Deal(events, eventCounts, rng, result);
        Deal(censored, censoredCounts, rng, result);
        return result;
    }

    private static void Deal(List<string> ids, int[] counts, SeededRandom rng, Dictionary<string, Split> into)
    {
        rng.Shuffle(ids);
        int k = 0;
        for (int s = 0; s < 3; s++)
            for (int n = 0; n < counts[s]; n++)
                into[ids[k++]] = (Split)s;
    }

    /// <summary>The cohort with every patient assigned by <see cref="Assign"/> (existing splits are replaced).</summary>
    public static Cohort Apply(Cohort cohort, SplitCounts counts, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        return cohort.WithSplits(Assign(cohort.Patients.Select(p => (p.PatientId, p.EventObserved)), counts, seed));
    }
}
