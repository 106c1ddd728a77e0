namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// How a synthetic patient's latent factors set their survival: a proportional-hazards model with a Weibull baseline,
/// log-hazard = Σ weight_i · (factor_i − 0.5) + age weight · (age − 65), and independent censoring (end of study after
/// staggered entry, and loss to follow-up). Times are in months, rounded to 0.01.
/// </summary>
public sealed record SurvivalDesign
{
    /// <summary>More marked T cells, lower hazard.</summary>
    public double ImmuneWeight { get; init; } = -2.2;

    /// <summary>Infiltrating (rather than excluded) T cells, lower hazard.</summary>
    public double InfiltrationWeight { get; init; } = -1.8;

    /// <summary>Higher nuclear grade, higher hazard (seen by the structure prompt).</summary>
    public double GradeWeight { get; init; } = 2.0;

    /// <summary>Fragmented architecture, higher hazard (seen by the scale prompt).</summary>
    public double ArchitectureWeight { get; init; } = 2.0;

    /// <summary>Per year of age above 65 (seen by the tabular prompt).</summary>
    public double AgeWeightPerYear { get; init; } = 0.03;

    /// <summary>Weibull shape of the baseline hazard (&gt; 1: hazard rising with time).</summary>
    public double WeibullShape { get; init; } = 1.3;

    /// <summary>Median survival (months) of a patient with log-hazard 0.</summary>
    public double BaselineMedianMonths { get; init; } = 20;

    /// <summary>Study length: patients enter uniformly over the first <see cref="AccrualMonths"/> months and are
    /// followed until month <see cref="StudyMonths"/>.</summary>
    public double StudyMonths { get; init; } = 84;

    /// <summary>Accrual period (months).</summary>
    public double AccrualMonths { get; init; } = 48;

    /// <summary>Rate of loss to follow-up per month (exponential).</summary>
    public double LossToFollowUpPerMonth { get; init; } = 0.016;

    /// <summary>When false, times ignore the factors (the null cohort: every honest model scores C ≈ 0.5).</summary>
    public bool FactorsAffectSurvival { get; init; } = true;

    /// <summary>The design of the signal cohorts.</summary>
    public static SurvivalDesign Signal { get; } = new();

    /// <summary>The null cohort's design: same baseline and censoring, no dependence on the factors or age.</summary>
    public static SurvivalDesign Null { get; } = new() { FactorsAffectSurvival = false };

    /// <summary>The log-hazard the factors and age imply under the signal weights (whether or not this design uses it).</summary>
    public double LatentLogHazard(LatentFactors f, double age) =>
        ImmuneWeight * (f.Immune - 0.5) + InfiltrationWeight * (f.Infiltration - 0.5)
        + GradeWeight * (f.Grade - 0.5) + ArchitectureWeight * (f.Architecture - 0.5)
        + AgeWeightPerYear * (age - 65);

    /// <summary>Draws (time, event) for a patient with log-hazard <paramref name="logHazard"/>.</summary>
    public (double Time, bool Event) Draw(double logHazard, SeededRandom rng)
    {
        double lp = FactorsAffectSurvival ? logHazard : 0;
        // S(t) = exp(-(t/scale)^k e^lp); the median at lp = 0 is scale (ln 2)^(1/k).
        double scale = BaselineMedianMonths / Math.Pow(Math.Log(2), 1 / WeibullShape);
        double death = scale * Math.Pow(-Math.Log(rng.NextOpenDouble()) / Math.Exp(lp), 1 / WeibullShape);
        double endOfStudy = StudyMonths - AccrualMonths * rng.NextDouble();
        double lost = -Math.Log(rng.NextOpenDouble()) / LossToFollowUpPerMonth;
        double censor = Math.Min(endOfStudy, lost);
        bool ev = death <= censor;
        double t = Math.Round(ev ? death : censor, 2, MidpointRounding.ToEven);
        return (Math.Max(t, 0.01), ev);
    }
}
