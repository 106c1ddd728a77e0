namespace VPTSurv.Data;

/// <summary>One slide of a cohort, with its patient's outcome repeated for per-slide training and metrics.</summary>
/// <param name="SlideId">Unique within the cohort.</param>
/// <param name="PatientId">The patient the slide belongs to.</param>
/// <param name="Source">As written in the manifest: a path relative to the manifest (or absolute), or a synthetic spec.</param>
/// <param name="Stain">The stain or marker (e.g. "CD8", "HE").</param>
/// <param name="Time">The patient's follow-up time (&gt; 0).</param>
/// <param name="EventObserved">True when the patient's death was observed at <paramref name="Time"/>.</param>
/// <param name="Split">The patient's split, or null when not yet assigned.</param>
public sealed record SlideRecord(string SlideId, string PatientId, string Source, string Stain, double Time, bool EventObserved, Split? Split);
