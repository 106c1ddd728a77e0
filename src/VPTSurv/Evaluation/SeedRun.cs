using VPTSurv.Evaluation.References;

namespace VPTSurv.Evaluation;

/// <summary>One run of a table row: its seed, its test C, whether it learned, and its per-slide test risks.</summary>
/// <param name="Seed">The run's seed (a reference row, which has no seed, uses 0).</param>
/// <param name="TestC">Harrell's C on the test slides.</param>
/// <param name="PatientC">Harrell's C per test patient, or NaN.</param>
/// <param name="DidNotLearn">The training report's did-not-learn mark (<c>TrainingResult.DidNotLearn</c>).</param>
/// <param name="Test">Per test slide risk (the paired comparisons use them).</param>
public sealed record SeedRun(int Seed, double TestC, double PatientC, bool DidNotLearn, IReadOnlyList<SlideRisk> Test)
{
    /// <summary>A trained run from its test report and the training report's did-not-learn mark.</summary>
    public static SeedRun Of(int seed, EvaluationReport testReport, bool didNotLearn)
    {
        ArgumentNullException.ThrowIfNull(testReport);
        return new SeedRun(seed, testReport.SlideC?.Estimate ?? double.NaN, testReport.PatientC?.Estimate ?? double.NaN, didNotLearn,
            SlideRisk.Of(testReport.Predictions));
    }

    /// <summary>A reference row as a single run (deterministic: no seed, always "learned").</summary>
    public static SeedRun Of(ReferenceRow reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return new SeedRun(0, reference.SlideC.Estimate, reference.PatientC?.Estimate ?? double.NaN, false, reference.Test);
    }
}

/// <summary>A row of a results table before aggregation: a model on a cohort, with one run per seed.</summary>
/// <param name="Cohort">Cohort name.</param>
/// <param name="Name">Row name (model and variant).</param>
/// <param name="Category">e.g. "two-stage", "end-to-end", "reference".</param>
/// <param name="Runs">One per seed (a reference row has one).</param>
public sealed record ResultRow(string Cohort, string Name, string Category, IReadOnlyList<SeedRun> Runs)
{
    /// <summary>A reference row of <see cref="ReferenceRows"/> as a table row (category "reference").</summary>
    public static ResultRow Of(ReferenceRow reference) => new(reference.Cohort, reference.Name, "reference", [SeedRun.Of(reference)]);
}
