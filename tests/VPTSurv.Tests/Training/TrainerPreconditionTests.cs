using VPTSurv.Data;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The library trainers themselves (not only the CLI) refuse a cohort whose splits cannot give a trained and evaluated
/// model — empty train, val or test split (also when the preset's subset empties it), or a train split without a
/// death — with a <see cref="CohortSplitException"/> naming the cohort and the split, before any tile source is built
/// (so before a tile is rendered, a feature extracted or an epoch run).
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class TrainerPreconditionTests
{
    private static readonly Preset OneEpoch = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } };

    /// <summary>A tile source factory that fails the test if the trainer ever asks for tiles.</summary>
    private static TrainerOptions NoTilesAllowed(string work) => new()
    {
        WorkDirectory = work,
        Source = (_, _, _) => throw new Xunit.Sdk.XunitException("the trainer built a tile source before checking the cohort's splits"),
    };

    private static Cohort WithoutTrainingDeaths(Cohort cohort) => new(cohort.Name, [.. cohort.Patients.Select(p => p.Split == Split.Train
        ? p with { EventObserved = false, Slides = [.. p.Slides.Select(s => s with { EventObserved = false })] }
        : p)]);

    /// <summary>Every validation patient gets a second slide, so a subset of at most one validation slide keeps none.</summary>
    private static Cohort TwoSlidesPerValidationPatient(Cohort cohort) => new(cohort.Name, [.. cohort.Patients.Select(p => p.Split == Split.Val
        ? p with { Slides = [p.Slides[0], p.Slides[0] with { SlideId = p.PatientId + "-S2" }] }
        : p)]);

    public static TheoryData<string, string> Cases => new()
    {
        { "end-to-end", "empty train" }, { "end-to-end", "empty val" }, { "end-to-end", "empty test" },
        { "end-to-end", "no training death" }, { "end-to-end", "val emptied by the subset" },
        { "two-stage", "empty train" }, { "two-stage", "empty val" }, { "two-stage", "empty test" },
        { "two-stage", "no training death" }, { "two-stage", "val emptied by the subset" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_refuses_the_cohort_naming_it_and_the_split_before_building_a_tile_source(string trainer, string fault)
    {
        var preset = OneEpoch;
        var (cohort, split, words) = fault switch
        {
            "empty train" => (PlantedCohort.Create(train: 0, val: 2, test: 2), Split.Train, "the train split has no slide"),
            "empty val" => (PlantedCohort.Create(train: 4, val: 0, test: 2), Split.Val, "the val split has no slide"),
            "empty test" => (PlantedCohort.Create(train: 4, val: 2, test: 0), Split.Test, "the test split has no slide"),
            "no training death" => (WithoutTrainingDeaths(PlantedCohort.Create(train: 4, val: 2, test: 2)), Split.Train,
                "none of the 4 training slides has an observed death (event = 1) in the train split"),
            _ => (TwoSlidesPerValidationPatient(PlantedCohort.Create(train: 4, val: 2, test: 2)), Split.Val,
                "the val split has no slide after the preset's subset (at most 1 val slides, whole patients; the full cohort has 4)"),
        };
        if (fault == "val emptied by the subset")
            preset = preset with { Training = preset.Training with { Subset = new CohortSubset(Train: null, Val: 1, Test: null) } };
        var work = Directory.CreateTempSubdirectory("vptsurv-precondition-").FullName;
        try
        {
            var options = NoTilesAllowed(work);
            var e = Assert.Throws<CohortSplitException>(() =>
            {
                using var _ = trainer == "end-to-end" ? new EndToEndTrainer(preset, options).Fit(cohort) : new TwoStagePipeline(preset, options).Fit(cohort);
            });
            Assert.Equal("planted", e.Cohort);
            Assert.Equal([split], e.Problems.Select(p => p.Split));
            Assert.Contains("Cohort 'planted'", e.Message);
            Assert.Contains(words, e.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(work)); // no tile pool, no feature cache
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Every_problem_of_the_cohort_is_named_at_once()
    {
        var cohort = WithoutTrainingDeaths(PlantedCohort.Create(train: 3, val: 0, test: 0));
        var e = Assert.Throws<CohortSplitException>(() => SplitPreconditions.RequireTrainable(cohort, null, "m.csv"));
        Assert.Equal([Split.Train, Split.Val, Split.Test], e.Problems.Select(p => p.Split));
        Assert.StartsWith("Cohort 'm.csv' cannot be trained and evaluated: none of the 3 training slides", e.Message);
    }

    [Fact]
    public void A_trainable_cohort_is_returned_with_the_subset_applied()
    {
        var cohort = PlantedCohort.Create(train: 6, val: 3, test: 2);
        var used = SplitPreconditions.RequireTrainable(cohort, new CohortSubset(Train: 4, Val: null, Test: null), "planted");
        Assert.Equal(4, used.SlidesIn(Split.Train).Count());
        Assert.Equal(3, used.SlidesIn(Split.Val).Count());
        Assert.Same(cohort, SplitPreconditions.RequireTrainable(cohort, null, "planted"));
    }
}
