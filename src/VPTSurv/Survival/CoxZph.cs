using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Survival;

/// <summary>Time scale g(t) of the proportional-hazards test (R's <c>cox.zph(transform = …)</c>).</summary>
public enum CoxZphTransform
{
    /// <summary>g(t) = 1 - S(t-), the Kaplan–Meier of all subjects just before t (R's default "km").</summary>
    Km,

    /// <summary>g(t) = t.</summary>
    Identity,
}

/// <summary>
/// The test of proportional hazards of R's <c>cox.zph</c> (survival 3.x): a score test, at the fitted β, of adding
/// the time-varying terms g(t)·x_j to the model. With gc(t) = g(t) minus its mean over the deaths, the score of the
/// new terms is U = Σ_deaths gc(t)(x_i - x̄(t)) and the information of (β, γ) has blocks Σ V, Σ gc V and Σ gc² V (V
/// the risk-set covariance, with Efron's weights when the fit used them). Per covariate the test uses β and γ_j
/// (1 df); the global test uses all γ (p df).
/// </summary>
/// <param name="Transform">Time scale g.</param>
public sealed record CoxZph(CoxZphTransform Transform = CoxZphTransform.Km)
{
    /// <summary>Tests the fit <paramref name="fit"/> on the data it was fitted to.</summary>
    /// <exception cref="ArgumentException">The data do not match the fit (argument named).</exception>
    public CoxZphResult Fit(CoxFit fit, IReadOnlyList<double[]> covariates, IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved,
        IReadOnlyList<string>? strata = null)
    {
        var data = CoxFitData.Check(fit, covariates, time, eventObserved, strata);
        var (x, w, stratum) = (data.X, data.Weight, data.Stratum);
        int n = time.Count, p = fit.Coefficients.Length;
        var km = new KaplanMeier().Fit(time, eventObserved);
        double G(double t) => Transform == CoxZphTransform.Identity ? t : 1 - SurvivalBefore(km, t);
        double gbar = 0;
        int deaths = 0;
        for (int i = 0; i < n; i++) if (eventObserved[i]) { gbar += G(time[i]); deaths++; }
        gbar /= deaths;

        var order = Enumerable.Range(0, n).OrderBy(i => stratum[i]).ThenByDescending(i => time[i]).ToArray();
        var info = Matrix<double>.Build.Dense(2 * p, 2 * p);
        var u = new double[p];
        double s0 = 0;
        var s1 = new double[p];
        var s2 = new double[p, p];
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]] && stratum[order[stop + 1]] == stratum[order[start]]) stop++;
            if (start == 0 || stratum[order[start]] != stratum[order[start - 1]]) { s0 = 0; Array.Clear(s1); Array.Clear(s2); }
            double d0 = 0;
            var d1 = new double[p];
            var d2 = new double[p, p];
            int d = 0;
            for (int s = start; s <= stop; s++)
            {
                int i = order[s];
                s0 += w[i];
                for (int a = 0; a < p; a++)
                {
                    s1[a] += w[i] * x[i][a];
                    for (int b = 0; b < p; b++) s2[a, b] += w[i] * x[i][a] * x[i][b];
                }
                if (!eventObserved[i]) continue;
                d++;
                d0 += w[i];
                for (int a = 0; a < p; a++)
                {
                    d1[a] += w[i] * x[i][a];
                    for (int b = 0; b < p; b++) d2[a, b] += w[i] * x[i][a] * x[i][b];
                }
            }
            if (d > 0)
            {
                double gc = G(time[order[start]]) - gbar;
                for (int s = start; s <= stop; s++)
                    if (eventObserved[order[s]])
                        for (int a = 0; a < p; a++) u[a] += gc * x[order[s]][a];
                var mean = new double[p];
                for (int l = 0; l < d; l++)
                {
                    double f = fit.Ties == CoxTies.Efron ? (double)l / d : 0;
                    double denom = s0 - f * d0;
                    for (int a = 0; a < p; a++) { mean[a] = (s1[a] - f * d1[a]) / denom; u[a] -= gc * mean[a]; }
                    for (int a = 0; a < p; a++)
                        for (int b = 0; b < p; b++)
                        {
                            double v = (s2[a, b] - f * d2[a, b]) / denom - mean[a] * mean[b];
                            info[a, b] += v;
                            info[a, b + p] += gc * v;
                            info[a + p, b] += gc * v;
                            info[a + p, b + p] += gc * gc * v;
                        }
                }
            }
            start = stop + 1;
        }
        if (fit.Ridge > 0)
            for (int a = 0; a < 2 * p; a++) info[a, a] += fit.Ridge;

        var chi = new double[p];
        for (int j = 0; j < p; j++)
        {
            var keep = Enumerable.Range(0, p).Append(p + j).ToArray();
            var sub = Matrix<double>.Build.Dense(p + 1, p + 1, (r, c) => info[keep[r], keep[c]]);
            var uj = Vector<double>.Build.Dense(p + 1);
            uj[p] = u[j];
            chi[j] = uj.DotProduct(sub.Solve(uj));
        }
        var uAll = Vector<double>.Build.Dense(2 * p, k => k < p ? 0 : u[k - p]);
        double global = uAll.DotProduct(info.Solve(uAll));

        // Per-time values (R's cox.zph $x, $time, $y): the Schoenfeld residuals scaled by the inverse of the average
        // information per death, plus β.
        var (subjects, raw) = SchoenfeldCore.Raw(fit, data);
        var perDeath = info.SubMatrix(0, p, 0, p) / deaths;
        var y = raw.Select(r => perDeath.Solve(Vector<double>.Build.DenseOfArray(r)).ToArray()
            .Select((v, a) => v + fit.Coefficients[a]).ToArray()).ToArray();
        return new CoxZphResult(fit.Names, chi, chi.Select(c => LogRankCore.ChiSquareUpper(c, 1)).ToArray(), global,
            LogRankCore.ChiSquareUpper(global, p), p, Transform)
        {
            Time = subjects.Select(i => data.Time[i]).ToArray(),
            TransformedTime = subjects.Select(i => G(data.Time[i])).ToArray(),
            ScaledResiduals = y,
        };
    }

    private static double SurvivalBefore(KaplanMeierResult km, double t)
    {
        int k = Array.BinarySearch(km.Time, t);
        k = k >= 0 ? k - 1 : ~k - 1;
        return k < 0 ? 1 : km.Survival[k];
    }
}

/// <summary>Result of <see cref="CoxZph"/>.</summary>
/// <param name="Names">Covariate names.</param>
/// <param name="ChiSquare">Per covariate: the 1-df test statistic.</param>
/// <param name="PValues">Per covariate: chi-square upper tail.</param>
/// <param name="GlobalChiSquare">The global test (all covariates).</param>
/// <param name="GlobalPValue">Its chi-square upper tail.</param>
/// <param name="GlobalDegreesOfFreedom">Covariates tested together.</param>
/// <param name="Transform">Time scale used.</param>
public sealed record CoxZphResult(
    string[] Names, double[] ChiSquare, double[] PValues, double GlobalChiSquare, double GlobalPValue, int GlobalDegreesOfFreedom,
    CoxZphTransform Transform) : ISurvivalResult
{
    /// <summary>Death times, ordered by stratum then time (R's <c>cox.zph()$time</c>).</summary>
    public double[] Time { get; init; } = [];

    /// <summary>g(t) at each death (R's <c>$x</c>), the x axis of the β(t) plot.</summary>
    public double[] TransformedTime { get; init; } = [];

    /// <summary>
    /// Per death, β + (I / d)⁻¹ r with r the Schoenfeld residual, I the information at β and d the deaths (R's <c>$y</c>);
    /// a smooth of each column against <see cref="TransformedTime"/> estimates β_j(t). With strata R divides I by
    /// fewer deaths for a covariate constant within a stratum's deaths; here d is always all deaths.
    /// </summary>
    public double[][] ScaledResiduals { get; init; } = [];

    /// <inheritdoc />
    public SurvivalTable Summary => new($"Proportional-hazards test (cox.zph, transform {Transform})",
        ["term", "chi-square", "df", "p"],
        [.. Names.Select((nm, j) => (IReadOnlyList<object>)[nm, ChiSquare[j], 1.0, PValues[j]]),
         ["GLOBAL", GlobalChiSquare, (double)GlobalDegreesOfFreedom, GlobalPValue]]);
}
