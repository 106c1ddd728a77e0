using MathNet.Numerics.Distributions;

namespace VPTSurv.Survival;

public sealed partial record CoxFit
{
    /// <summary>
    /// The predicted survival curve of a new subject with its standard error and pointwise band, as R's
    /// <c>survfit(fit, newdata, conf.type = …)</c>: S(t | x) = exp(-Λ(t | x)) with Λ(t | x) = Λ0(t) r, r = exp((x - means)·β),
    /// and the variance of Λ(t | x) (Tsiatis; R's agsurv with Efron's or Breslow's terms)
    /// r² [Σ_{deaths ≤ t} Σ_l 1/denom_l² + q(t)ᵀ V q(t)], q(t) = <see cref="CoxBaseline.MeanTerm"/>(t) - Λ0(t)(x - means),
    /// V the covariance of β. <see cref="CoxPrediction.StdError"/> is that standard error (R's <c>std.err</c>, on the
    /// cumulative-hazard scale), and the band is built on it as R's.
    /// </summary>
    /// <param name="x">The new subject's covariates (uncentred, as given to Fit).</param>
    /// <param name="times">Times to predict at (finite, ≥ 0).</param>
    /// <param name="stratum">Index of the subject's stratum in <see cref="CoxBaseline.Strata"/>.</param>
    /// <param name="band">Scale of the band (log by default, as R).</param>
    /// <exception cref="ArgumentException">x of the wrong length or not finite, or a time not finite or negative (index named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such stratum.</exception>
    public CoxPrediction PredictSurvivalCurve(IReadOnlyList<double> x, IReadOnlyList<double> times, int stratum = 0,
        ConfidenceBand band = ConfidenceBand.Log)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(times);
        var baseline = Baseline ?? throw new InvalidOperationException("this fit carries no baseline hazard.");
        if ((uint)stratum >= (uint)baseline.Strata.Length)
            throw new ArgumentOutOfRangeException(nameof(stratum), stratum, $"the fit has {baseline.Strata.Length} strata.");
        SurvivalInput.CheckSameLength(Coefficients.Length, x.Count, nameof(x), "the coefficients");
        int p = Coefficients.Length;
        var xc = new double[p];
        double lp = 0;
        for (int j = 0; j < p; j++)
        {
            if (!double.IsFinite(x[j])) throw new ArgumentException($"x[{j}] = {x[j]}: expected a finite number.", nameof(x));
            xc[j] = x[j] - Means[j];
            lp += Coefficients[j] * xc[j];
        }
        for (int k = 0; k < times.Count; k++)
            if (!(double.IsFinite(times[k]) && times[k] >= 0))
                throw new ArgumentException($"times[{k}] = {times[k]}: expected a finite time >= 0.", nameof(times));
        double risk = Math.Exp(lp), z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        int m = times.Count;
        var (surv, cumHaz, se, lower, upper) = (new double[m], new double[m], new double[m], new double[m], new double[m]);
        var q = new double[p];
        for (int k = 0; k < m; k++)
        {
            int at = baseline.IndexAt(stratum, times[k]);
            double h0 = at < 0 ? 0 : baseline.CumulativeHazard[stratum][at];
            double v0 = at < 0 ? 0 : baseline.HazardVariance[stratum][at];
            for (int j = 0; j < p; j++) q[j] = (at < 0 ? 0 : baseline.MeanTerm[stratum][at][j]) - h0 * xc[j];
            double quad = 0;
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) quad += q[a] * Covariance[a, b] * q[b];
            cumHaz[k] = h0 * risk;
            surv[k] = Math.Exp(-cumHaz[k]);
            se[k] = Math.Sqrt(v0 + quad) * risk;
            (lower[k], upper[k]) = KaplanMeier.BandAt(band, surv[k], se[k], z);
        }
        return new CoxPrediction(times.ToArray(), surv, cumHaz, se, lower, upper, band, Level);
    }
}

/// <summary>A predicted Cox survival curve of one subject (<see cref="CoxFit.PredictSurvivalCurve"/>).</summary>
/// <param name="Time">The times asked for.</param>
/// <param name="Survival">S(t | x).</param>
/// <param name="CumulativeHazard">Λ(t | x) = -log S(t | x).</param>
/// <param name="StdError">Standard error of Λ(t | x) (R's <c>survfit(fit, newdata)$std.err</c>); NaN for an L1 fit.</param>
/// <param name="Lower">Lower band (NaN where undefined on the chosen scale).</param>
/// <param name="Upper">Upper band.</param>
/// <param name="Band">Scale of the band.</param>
/// <param name="Level">Confidence level.</param>
public sealed record CoxPrediction(double[] Time, double[] Survival, double[] CumulativeHazard, double[] StdError, double[] Lower,
    double[] Upper, ConfidenceBand Band, double Level) : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new(FormattableString.Invariant($"Predicted Cox survival ({Band} band, level {Level})"),
        ["time", "survival", "std.err (cum. hazard)", "lower", "upper"],
        [.. Time.Select((t, k) => (IReadOnlyList<object>)[t, Survival[k], StdError[k], Lower[k], Upper[k]])]);
}
