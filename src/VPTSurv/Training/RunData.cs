using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// The slides of a run by split (after the preset's subset) and the patients' covariates, standardised on the training
/// split. <see cref="Create"/> is the first thing both trainers' Fit and Resume do, so a cohort failing
/// <see cref="SplitPreconditions"/> is refused before any model, tile source or feature exists.
/// </summary>
internal sealed record RunData(Cohort Cohort, IReadOnlyList<SlideRecord> Train, IReadOnlyList<SlideRecord> Val,
    IReadOnlyList<SlideRecord> Test, CovariateTable Covariates, CovariateStandardization? CovariateScaling)
{
    public IReadOnlyList<SlideRecord> All => [.. Train, .. Val, .. Test];

    public Tensor? CovariatesOf(SlideRecord slide) => Covariates.Of(slide);

    public static RunData Create(Preset preset, Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var used = SplitPreconditions.RequireTrainable(cohort, preset.Training.Subset, cohort.Name);
        var train = used.SlidesIn(Split.Train).ToList();
        var scaling = preset.Prompts.Needs.HasFlag(SlideInputParts.Covariates) ? CovariateStandardization.Fit(used, preset.Prompts.Covariates) : null;
        return new RunData(used, train, used.SlidesIn(Split.Val).ToList(), used.SlidesIn(Split.Test).ToList(),
            scaling?.Apply(used) ?? CovariateTable.None, scaling);
    }
}
