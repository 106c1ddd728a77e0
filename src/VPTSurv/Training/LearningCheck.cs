using VPTSurv.Survival;

namespace VPTSurv.Training;

/// <summary>
/// Whether a run learned: its best validation C must beat the untrained model's validation C (epoch 0) — and chance,
/// 0.5, whichever is higher — by <see cref="Margin"/>; otherwise the run is marked <see cref="DidNotLearn"/>.
/// <para>
/// The margin is statistical, not a constant tuned to a cohort: it is <see cref="StdErrors"/> (2) standard errors of
/// Harrell's C of a predictor that knows nothing, on this validation split — the standard deviation of C over
/// <see cref="Permutations"/> random orderings (distinct scores) of the validation slides (seeded, so reproducible) — and at least <see cref="MinMargin"/> (0.02). Why 2: a run that cannot learn still shows a best
/// validation C above its baseline by chance, since the best of E epochs is kept; with validation C's of a null run
/// spread by one SE around 0.5, the best of 5 correlated epochs exceeds 0.5 by about 1.2 SE on average, and by 2 SE in
/// roughly 1 run in 10. Why the floor: on a very large validation split the SE becomes tiny (0.01 at ~800 slides) and a
/// gain of 0.01 in C is not learning anyone would report. Why max(untrained, 0.5): an untrained model's C differs from
/// 0.5 only by chance (0.37 or 0.62 on 80 slides is common), and climbing from 0.37 to 0.5 is not learning.
/// On the Cpu preset's validation splits (71 and 83 slides) the margin is about 0.07–0.08.
/// </para>
/// </summary>
/// <param name="UntrainedValidationC">Validation C of the untrained model (epoch 0).</param>
/// <param name="BestValidationC">Best validation C over the epochs (the selected epoch).</param>
/// <param name="Baseline">max(untrained validation C, 0.5).</param>
/// <param name="NullStdError">SD of validation C under random permutation of the risks (NaN when not computable).</param>
/// <param name="Margin">max(<see cref="MinMargin"/>, <see cref="StdErrors"/> × <see cref="NullStdError"/>).</param>
/// <param name="DidNotLearn">True unless BestValidationC &gt; Baseline + Margin.</param>
/// <param name="Reason">One sentence with the numbers.</param>
public sealed record LearningCheck(double UntrainedValidationC, double BestValidationC, double Baseline, double NullStdError, double Margin,
    bool DidNotLearn, string Reason)
{
    /// <summary>Standard errors of a null predictor's C the best validation C must clear.</summary>
    public const double StdErrors = 2;

    /// <summary>Smallest margin.</summary>
    public const double MinMargin = 0.02;

    /// <summary>Permutations for the null standard error.</summary>
    public const int Permutations = 200;

    /// <summary>
    /// Assesses a run from its validation outcomes (<paramref name="time"/>, <paramref name="eventObserved"/>), its
    /// untrained validation C and its best validation C.
    /// </summary>
    public static LearningCheck Assess(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, double untrainedC, double bestC)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(eventObserved);
        double se = NullStdErrorOf(time, eventObserved);
        double margin = Math.Max(MinMargin, double.IsFinite(se) ? StdErrors * se : MinMargin);
        double baseline = double.IsFinite(untrainedC) ? Math.Max(0.5, untrainedC) : 0.5;
        if (!double.IsFinite(bestC))
            return new LearningCheck(untrainedC, bestC, baseline, se, margin, true,
                "did not learn: no validation C to show it (the validation split is empty or has no comparable pair)");
        bool learned = bestC > baseline + margin;
        string reason = learned
            ? $"learned: best validation C {bestC:F3} > {baseline:F3} (max of untrained {untrainedC:F3} and 0.5) + margin {margin:F3}"
            : $"did not learn: best validation C {bestC:F3} ≤ {baseline:F3} (max of untrained {untrainedC:F3} and 0.5) + margin {margin:F3} " +
              $"({StdErrors:0} × null SE {se:F3} on {time.Count} validation slides)";
        return new LearningCheck(untrainedC, bestC, baseline, se, margin, !learned, reason);
    }

    /// <summary>SD of Harrell's C over <see cref="Permutations"/> seeded random orderings of the slides (distinct scores).</summary>
    public static double NullStdErrorOf(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved)
    {
        if (time.Count < 3) return double.NaN;
        var rng = new Random(20261206);
        var shuffled = Enumerable.Range(0, time.Count).Select(i => (double)i).ToArray();
        var cs = new List<double>(Permutations);
        for (int i = 0; i < Permutations; i++)
        {
            rng.Shuffle(shuffled);
            try { cs.Add(new HarrellConcordance().Fit(time, eventObserved, shuffled).CIndex); }
            catch (NoComparablePairsException) { return double.NaN; }
        }
        double mean = cs.Average();
        return Math.Sqrt(cs.Sum(c => (c - mean) * (c - mean)) / (cs.Count - 1));
    }
}
