namespace VPTSurv.Evaluation;

/// <summary>How an evaluation report is computed.</summary>
/// <param name="BootstrapResamples">Resamples for the C-index intervals.</param>
/// <param name="Level">Confidence level of the intervals.</param>
/// <param name="Seed">Seed of the bootstrap.</param>
/// <param name="AucQuantiles">Time-dependent AUC at these quantiles of the evaluated split's event times.</param>
/// <param name="BrierPoints">Evaluation times of the integrated Brier score, evenly spaced between the 10th and 80th
/// percentile of the evaluated split's times.</param>
public sealed record EvaluationOptions(int BootstrapResamples = 1000, double Level = 0.95, int Seed = 0,
    double[]? AucQuantiles = null, int BrierPoints = 20)
{
    /// <summary>The defaults: 1000 resamples, 95 %, AUC at the quartiles of the event times, 20 Brier points.</summary>
    public static EvaluationOptions Default { get; } = new();

    /// <summary>The AUC quantiles (0.25, 0.5, 0.75 unless set).</summary>
    public IReadOnlyList<double> AucAt => AucQuantiles ?? [0.25, 0.5, 0.75];
}
