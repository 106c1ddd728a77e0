namespace VPTSurv.Data;

/// <summary>A patient: one outcome, one split, any number of slides.</summary>
/// <param name="PatientId">Unique within the cohort.</param>
/// <param name="Time">Follow-up time (&gt; 0, finite; the manifest's unit, months for the synthetic cohorts).</param>
/// <param name="EventObserved">True when death was observed at <paramref name="Time"/>, false when follow-up ended.</param>
/// <param name="Split">The split, or null when not yet assigned.</param>
/// <param name="Covariates">Tabular covariates by name (the manifest's <c>cov_</c> columns without the prefix); NaN
/// where the manifest left the cell empty.</param>
/// <param name="Slides">The patient's slides, in manifest order.</param>
public sealed record Patient(
    string PatientId,
    double Time,
    bool EventObserved,
    Split? Split,
    IReadOnlyDictionary<string, double> Covariates,
    IReadOnlyList<SlideRecord> Slides);
