using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Data;

/// <summary>Settings of one synthetic cohort; the presets reproduce the paper's cohort sizes and slide splits.</summary>
public sealed record SyntheticCohortConfig
{
    /// <summary>Cohort name, also the manifest's file name (without .csv).</summary>
    public required string Name { get; init; }

    /// <summary>Marker of every slide.</summary>
    public required IhcStain Stain { get; init; }

    /// <summary>Number of patients.</summary>
    public required int Patients { get; init; }

    /// <summary>Slides in the training split.</summary>
    public required int TrainSlides { get; init; }

    /// <summary>Slides in the validation split.</summary>
    public required int ValSlides { get; init; }

    /// <summary>Slides in the test split.</summary>
    public required int TestSlides { get; init; }

    /// <summary>Drives factors, outcomes, splits and slides.</summary>
    public required ulong Seed { get; init; }

    /// <summary>How outcomes depend on the factors. Splits are always stratified on the outcomes drawn under
    /// <see cref="SurvivalDesign.Signal"/>, so a null cohort with the same seed has exactly the same slides and splits.</summary>
    public SurvivalDesign Design { get; init; } = SurvivalDesign.Signal;

    /// <summary>At most this many slides per patient.</summary>
    public int MaxSlidesPerPatient { get; init; } = 3;

    /// <summary>Standard deviation of a slide's factors around its patient's (clamped to [0, 1]).</summary>
    public double SlideVariation { get; init; } = 0.05;

    /// <summary>All slides.</summary>
    public int TotalSlides => TrainSlides + ValSlides + TestSlides;

    /// <summary>The paper's IHC-CD4 sizes: 564 patients, 655 slides, 449/71/135.</summary>
    public static SyntheticCohortConfig Cd4 { get; } = new()
    {
        Name = "synthetic-cd4", Stain = IhcStain.CD4, Patients = 564, TrainSlides = 449, ValSlides = 71, TestSlides = 135, Seed = 4004,
    };

    /// <summary>The paper's IHC-CD8 sizes: 564 patients, 754 slides, 509/83/162.</summary>
    public static SyntheticCohortConfig Cd8 { get; } = new()
    {
        Name = "synthetic-cd8", Stain = IhcStain.CD8, Patients = 564, TrainSlides = 509, ValSlides = 83, TestSlides = 162, Seed = 8008,
    };

    /// <summary>synthetic-cd4's patients, slides and splits with outcomes independent of everything.</summary>
    public static SyntheticCohortConfig Null { get; } = Cd4 with { Name = "synthetic-null", Design = SurvivalDesign.Null };

    /// <summary>The three shipped cohorts.</summary>
    public static IReadOnlyList<SyntheticCohortConfig> All { get; } = [Cd4, Cd8, Null];
}
