using VPTSurv.Training;

namespace VPTSurv.Data;

/// <summary>One reason a split cannot be used: the split and, in words, what is wrong with it.</summary>
/// <param name="Split">The split at fault.</param>
/// <param name="Reason">What is wrong, naming the split ("the val split has no slide …").</param>
public sealed record SplitProblem(Split Split, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => Reason;
}

/// <summary>A cohort whose splits cannot give a trained and evaluated model; the message names the cohort, each split and its problem.</summary>
public sealed class CohortSplitException(string source, IReadOnlyList<SplitProblem> problems)
    : Exception($"Cohort '{source}' cannot be trained and evaluated: {string.Join("; ", problems)}.")
{
    /// <summary>The manifest or cohort name.</summary>
    public string Cohort { get; } = source;

    /// <summary>Every problem found, with its split.</summary>
    public IReadOnlyList<SplitProblem> Problems { get; } = problems;
}

/// <summary>
/// Checks made before any training starts — by the trainers themselves (<see cref="EndToEndTrainer"/>,
/// <see cref="TwoStagePipeline"/>, before a tile is rendered or a feature extracted) and by the CLI before it creates
/// an output folder — so a run does not spend its epochs and then fail on a split it could have inspected in a
/// millisecond: the training split needs slides and at least one observed death (the loss and the time bins depend on
/// it), the validation split needs slides (it selects the epoch), and the test split needs slides to evaluate.
/// </summary>
public static class SplitPreconditions
{
    /// <summary>
    /// Applies <paramref name="subset"/> (when given) to <paramref name="cohort"/> and returns the cohort as it will be
    /// trained; throws <see cref="CohortSplitException"/> listing every problem of its splits (a split the subset
    /// emptied says so, with the slides the full cohort has there).
    /// </summary>
    /// <param name="cohort">The whole cohort.</param>
    /// <param name="subset">The preset's subset (<see cref="TrainingSettings.Subset"/>), or null for the whole cohort.</param>
    /// <param name="source">The manifest path or cohort name, for the message.</param>
    public static Cohort RequireTrainable(Cohort cohort, CohortSubset? subset, string source)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var used = subset?.Apply(cohort) ?? cohort;
        var problems = new List<SplitProblem>();
        string Empty(Split split, string why)
        {
            int before = cohort.SlidesIn(split).Count();
            string name = split.ToManifest();
            return subset is not null && before > 0
                ? $"the {name} split has no slide after the preset's subset (at most {subset.LimitFor(split)} {name} slides, whole patients; the full cohort has {before}), {why}"
                : $"the {name} split has no slide, {why}";
        }
        var train = used.SlidesIn(Split.Train).ToList();
        if (train.Count == 0) problems.Add(new(Split.Train, Empty(Split.Train, "so there is nothing to train on (is the split column filled?)")));
        else if (!train.Any(s => s.EventObserved))
            problems.Add(new(Split.Train, $"none of the {train.Count} training slides has an observed death (event = 1) in the train split, so there is nothing to learn from"));
        if (!used.SlidesIn(Split.Val).Any()) problems.Add(new(Split.Val, Empty(Split.Val, "so no epoch could be selected")));
        if (!used.SlidesIn(Split.Test).Any()) problems.Add(new(Split.Test, Empty(Split.Test, "so the trained model could not be evaluated")));
        if (problems.Count > 0) throw new CohortSplitException(source, problems);
        return used;
    }
}
