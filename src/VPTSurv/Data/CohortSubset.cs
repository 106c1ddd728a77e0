using VPTSurv.Data;

namespace VPTSurv.Data;

/// <summary>
/// At most this many slides per split, taken patient by patient (a patient's slides stay together) in an order
/// shuffled by <see cref="Seed"/>, so the subset is the same on every run and every machine. Null = the whole split.
/// </summary>
/// <param name="Train">Training slides at most.</param>
/// <param name="Val">Validation slides at most.</param>
/// <param name="Test">Test slides at most.</param>
/// <param name="Seed">Drives the patient order.</param>
public sealed record CohortSubset(int? Train, int? Val, int? Test, int Seed = 0)
{
    /// <summary>Throws unless every limit is positive or null.</summary>
    public void Validate()
    {
        foreach (var (name, v) in new[] { ("Train", Train), ("Val", Val), ("Test", Test) })
            if (v is <= 0) throw new ArgumentException($"CohortSubset: {name} must be positive or null, got {v}.");
    }

    /// <summary>The limit for <paramref name="split"/>.</summary>
    public int? LimitFor(Split split) => split switch { Split.Train => Train, Split.Val => Val, _ => Test };

    /// <summary>The cohort restricted to the subset (patients without a split are dropped).</summary>
    public Cohort Apply(Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var kept = new List<Patient>();
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
        {
            var patients = cohort.PatientsIn(split).OrderBy(p => p.PatientId, StringComparer.Ordinal).ToArray();
            new Random(Seed).Shuffle(patients);
            int? limit = LimitFor(split);
            int slides = 0;
            foreach (var p in patients)
            {
                if (limit is { } l && slides + p.Slides.Count > l) continue;
                kept.Add(p);
                slides += p.Slides.Count;
            }
        }
        var order = cohort.Patients.Select((p, i) => (p.PatientId, i)).ToDictionary(x => x.PatientId, x => x.i, StringComparer.Ordinal);
        return new Cohort(cohort.Name, [.. kept.OrderBy(p => order[p.PatientId])], cohort.CovariateNames, cohort.BaseDirectory);
    }
}
