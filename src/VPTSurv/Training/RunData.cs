using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// The slides of a run by split (after the preset's subset) and the patients' covariates. <see cref="Create"/> is the
/// first thing both trainers' Fit and Resume do, so a cohort failing <see cref="SplitPreconditions"/> is refused
/// before any model, tile source or feature exists.
/// </summary>
internal sealed record RunData(Cohort Cohort, IReadOnlyList<SlideRecord> Train, IReadOnlyList<SlideRecord> Val,
    IReadOnlyList<SlideRecord> Test, CovariateTable Covariates)
{
    public IReadOnlyList<SlideRecord> All => [.. Train, .. Val, .. Test];

    public Tensor? CovariatesOf(SlideRecord slide) => Covariates.Of(slide);

    public static RunData Create(Preset preset, Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var used = SplitPreconditions.RequireTrainable(cohort, preset.Training.Subset, cohort.Name);
        var train = used.SlidesIn(Split.Train).ToList();
        var covariates = preset.Prompts.Needs.HasFlag(SlideInputParts.Covariates)
            ? CovariateTable.Fit(used, preset.Prompts.Covariates)
            : CovariateTable.None;
        return new RunData(used, train, used.SlidesIn(Split.Val).ToList(), used.SlidesIn(Split.Test).ToList(), covariates);
    }
}

/// <summary>
/// Patient covariates for the tabular prompt, standardised with the training split's mean and standard deviation
/// (a missing value becomes the training mean, i.e. 0).
/// </summary>
internal sealed class CovariateTable
{
    private readonly Dictionary<string, float[]> _byPatient;

    private CovariateTable(Dictionary<string, float[]> byPatient) => _byPatient = byPatient;

    public static CovariateTable None { get; } = new([]);

    public static CovariateTable Fit(Cohort cohort, int expected)
    {
        var names = cohort.CovariateNames;
        if (names.Count != expected)
            throw new ArgumentException($"The preset's tabular prompt reads {expected} covariates; cohort '{cohort.Name}' has {names.Count} ({string.Join(", ", names)}).");
        var train = cohort.PatientsIn(Split.Train).ToList();
        var mean = new double[names.Count];
        var std = new double[names.Count];
        for (int j = 0; j < names.Count; j++)
        {
            var v = train.Select(p => p.Covariates[names[j]]).Where(double.IsFinite).ToArray();
            mean[j] = v.Length == 0 ? 0 : v.Average();
            double var = v.Length < 2 ? 0 : v.Sum(x => (x - mean[j]) * (x - mean[j])) / (v.Length - 1);
            std[j] = var > 0 ? Math.Sqrt(var) : 1;
        }
        var table = cohort.Patients.ToDictionary(p => p.PatientId, p => names.Select((n, j) =>
            p.Covariates.TryGetValue(n, out var x) && double.IsFinite(x) ? (float)((x - mean[j]) / std[j]) : 0f).ToArray(), StringComparer.Ordinal);
        return new CovariateTable(table);
    }

    /// <summary>(C) covariates of the slide's patient, or null without a tabular prompt.</summary>
    public Tensor? Of(SlideRecord slide) =>
        _byPatient.Count == 0 ? null
        : _byPatient.TryGetValue(slide.PatientId, out var v) ? tensor(v)
        : throw new KeyNotFoundException($"No covariates for patient '{slide.PatientId}'.");
}
