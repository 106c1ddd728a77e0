namespace VPTSurv.Data;

/// <summary>A cohort whose splits cannot give a trained and evaluated model; the message names the source and each problem.</summary>
public sealed class CohortSplitException(string source, IReadOnlyList<string> problems)
    : Exception($"Cohort '{source}' cannot be trained and evaluated: {string.Join("; ", problems)}.")
{
    /// <summary>The manifest or cohort name.</summary>
    public string Cohort { get; } = source;

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Checks made before any training starts, so a run does not spend its epochs and then fail on a split it could have
/// inspected in a millisecond: the training split needs slides and at least one observed death (the loss and the time
/// bins depend on it), and the test split needs slides to evaluate.
/// </summary>
public static class SplitPreconditions
{
    /// <summary>Throws <see cref="CohortSplitException"/> listing every problem of <paramref name="cohort"/>'s splits.</summary>
    /// <param name="cohort">The cohort as it will be trained (after any subset).</param>
    /// <param name="source">The manifest path or cohort name, for the message.</param>
    public static void RequireTrainable(Cohort cohort, string source)
    {
        var problems = new List<string>();
        var train = cohort.SlidesIn(Split.Train).ToList();
        if (train.Count == 0) problems.Add("the train split has no slide");
        else if (!train.Any(s => s.EventObserved)) problems.Add($"none of the {train.Count} training slides has an observed death (event = 1), so there is nothing to learn from");
        if (!cohort.SlidesIn(Split.Test).Any()) problems.Add("the test split has no slide, so the trained model could not be evaluated");
        if (problems.Count > 0) throw new CohortSplitException(source, problems);
    }
}
