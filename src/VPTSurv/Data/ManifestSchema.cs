namespace VPTSurv.Data;

/// <summary>The columns of a cohort manifest (data-manifests/SCHEMA.md).</summary>
public static class ManifestSchema
{
    /// <summary>Patient identifier; all rows of a patient share time, event, split and covariates.</summary>
    public const string PatientId = "patient_id";

    /// <summary>Slide identifier, unique in the manifest.</summary>
    public const string SlideId = "slide_id";

    /// <summary>Slide file path relative to the manifest's directory (or absolute), or a synthetic spec.</summary>
    public const string Source = "source";

    /// <summary>Follow-up time, finite and &gt; 0.</summary>
    public const string Time = "time";

    /// <summary>1 = death observed at <see cref="Time"/>, 0 = alive at last follow-up.</summary>
    public const string Event = "event";

    /// <summary>train, val, test, or empty (not assigned).</summary>
    public const string Split = "split";

    /// <summary>The stain or marker of the slide.</summary>
    public const string Stain = "stain";

    /// <summary>Prefix of optional numeric covariate columns (e.g. cov_age).</summary>
    public const string CovariatePrefix = "cov_";

    /// <summary>The required columns, in the order the writer uses.</summary>
    public static IReadOnlyList<string> Required { get; } = [PatientId, SlideId, Source, Time, Event, Split, Stain];
}
