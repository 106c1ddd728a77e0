using VPTSurv.Slides;

namespace VPTSurv.Data;

/// <summary>
/// A survival cohort: patients, each with slides. Splits are by patient, so every slide of a patient is in the
/// patient's split. Built by <see cref="ManifestReader"/> or by the synthetic cohort generator.
/// </summary>
public sealed class Cohort
{
    private readonly Dictionary<string, Patient> _byId;

    /// <summary>A cohort of <paramref name="patients"/>; ids must be unique (patients and slides).</summary>
    /// <param name="name">Display name (e.g. the manifest's file name without extension).</param>
    /// <param name="patients">The patients, in a stable order.</param>
    /// <param name="covariateNames">Names of the tabular covariates every patient has, in column order.</param>
    /// <param name="baseDirectory">Directory that relative slide paths are relative to (the manifest's), or null.</param>
    public Cohort(string name, IReadOnlyList<Patient> patients, IReadOnlyList<string>? covariateNames = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(patients);
        Name = name;
        Patients = patients;
        CovariateNames = covariateNames ?? [];
        BaseDirectory = baseDirectory;
        _byId = new Dictionary<string, Patient>(StringComparer.Ordinal);
        var slideIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in patients)
        {
            if (!_byId.TryAdd(p.PatientId, p))
                throw new ArgumentException($"Cohort '{name}': patient id '{p.PatientId}' appears twice.", nameof(patients));
            foreach (var s in p.Slides)
            {
                if (!slideIds.Add(s.SlideId))
                    throw new ArgumentException($"Cohort '{name}': slide id '{s.SlideId}' appears twice.", nameof(patients));
                if (s.PatientId != p.PatientId || s.Split != p.Split || s.Time != p.Time || s.EventObserved != p.EventObserved)
                    throw new ArgumentException($"Cohort '{name}': slide '{s.SlideId}' disagrees with its patient '{p.PatientId}' (id, split, time or event).", nameof(patients));
            }
        }
    }

    /// <summary>Display name.</summary>
    public string Name { get; }

    /// <summary>All patients.</summary>
    public IReadOnlyList<Patient> Patients { get; }

    /// <summary>Tabular covariate names (without the manifest's <c>cov_</c> prefix).</summary>
    public IReadOnlyList<string> CovariateNames { get; }

    /// <summary>Directory that relative slide sources are relative to, or null.</summary>
    public string? BaseDirectory { get; }

    /// <summary>All slides, patient by patient.</summary>
    public IEnumerable<SlideRecord> Slides => Patients.SelectMany(p => p.Slides);

    /// <summary>The patients of one split.</summary>
    public IEnumerable<Patient> PatientsIn(Split split) => Patients.Where(p => p.Split == split);

    /// <summary>The slides of one split.</summary>
    public IEnumerable<SlideRecord> SlidesIn(Split split) => Slides.Where(s => s.Split == split);

    /// <summary>The patient with this id; throws naming the id when there is none.</summary>
    public Patient Patient(string patientId) =>
        _byId.TryGetValue(patientId, out var p) ? p : throw new KeyNotFoundException($"Cohort '{Name}' has no patient '{patientId}'.");

    /// <summary>Where a slide's source points: a scheme source (e.g. a synthetic spec) as is, else the file path
    /// resolved against <see cref="BaseDirectory"/>.</summary>
    public string ResolveSource(SlideRecord slide) =>
        SlideSource.HasScheme(slide.Source) || Path.IsPathRooted(slide.Source) || BaseDirectory is null
            ? slide.Source
            : Path.GetFullPath(Path.Combine(BaseDirectory, slide.Source));

    /// <summary>Opens a slide of this cohort through <see cref="SlideSource.Open"/> after <see cref="ResolveSource"/>: a
    /// synthetic spec renders on demand (with the slide's id), a file opens with its reader.</summary>
    public ISlide OpenSlide(SlideRecord slide)
    {
        ArgumentNullException.ThrowIfNull(slide);
        return SlideSource.Open(ResolveSource(slide), id: slide.SlideId);
    }

    /// <summary>The same cohort with each patient's split replaced by <paramref name="splits"/> (every patient must be
    /// in it).</summary>
    public Cohort WithSplits(IReadOnlyDictionary<string, Split> splits)
    {
        var patients = Patients.Select(p =>
        {
            if (!splits.TryGetValue(p.PatientId, out var s))
                throw new ArgumentException($"Cohort '{Name}': no split given for patient '{p.PatientId}'.", nameof(splits));
            return p with { Split = s, Slides = [.. p.Slides.Select(sl => sl with { Split = s })] };
        }).ToList();
        return new Cohort(Name, patients, CovariateNames, BaseDirectory);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {Patients.Count} patients, {Slides.Count()} slides, {Patients.Count(p => p.EventObserved)} events";
}
