using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Survival;

/// <summary>
/// The Cox proportional-hazards model fitted by Newton–Raphson on the log partial likelihood (as R's <c>coxph</c>):
/// start at β = 0, Newton steps with step halving when the likelihood drops, stop when the relative change of the
/// log-likelihood is below <see cref="Tolerance"/>. Covariates are centred internally (the likelihood does not change).
/// </summary>
/// <param name="Ties">Tie handling (Efron by default, as R).</param>
/// <param name="MaxIterations">Newton iterations before giving up (the fit then reports <c>Converged = false</c>).</param>
/// <param name="Tolerance">Relative change of the log partial likelihood that ends the iterations.</param>
/// <param name="Level">Confidence level of the hazard-ratio intervals.</param>
public sealed record CoxRegression(CoxTies Ties = CoxTies.Efron, int MaxIterations = 50, double Tolerance = 1e-12, double Level = 0.95)
{
    /// <summary>Fits the model; <paramref name="covariates"/> is n rows of p values.</summary>
    /// <param name="covariates">One row per subject, one column per covariate.</param>
    /// <param name="time">Follow-up times.</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="names">Optional covariate names (default x1, x2, …).</param>
    /// <exception cref="ArgumentException">Bad input (row and column named), a constant or collinear covariate.</exception>
    /// <exception cref="NoEventsException">No observed death.</exception>
    public CoxFit Fit(IReadOnlyList<double[]> covariates, IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        SurvivalInput.CheckSameLength(time.Count, covariates.Count, nameof(covariates));
        int n = time.Count;
        if (n == 0) throw new ArgumentException("Cox regression needs at least one subject.", nameof(time));
        int p = covariates[0]?.Length ?? throw new ArgumentException("covariates[0] is null.", nameof(covariates));
        if (p == 0) throw new ArgumentException("Cox regression needs at least one covariate.", nameof(covariates));
        var x = new double[n, p];
        for (int i = 0; i < n; i++)
        {
            var row = covariates[i] ?? throw new ArgumentException($"covariates[{i}] is null.", nameof(covariates));
            if (row.Length != p)
                throw new ArgumentException($"covariates[{i}] has {row.Length} values; row 0 has {p}.", nameof(covariates));
            for (int j = 0; j < p; j++)
            {
                if (!double.IsFinite(row[j]))
                    throw new ArgumentException($"covariates[{i}][{j}] = {row[j]}: expected a finite number.", nameof(covariates));
                x[i, j] = row[j];
            }
        }
        return FitCore(x, SurvivalInput.ToArray(time), SurvivalInput.ToArray(eventObserved), names);
    }

    /// <summary>Fits the model; <paramref name="covariates"/> is an n × p matrix.</summary>
    public CoxFit Fit(double[,] covariates, IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        var rows = new double[covariates.GetLength(0)][];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new double[covariates.GetLength(1)];
            for (int j = 0; j < rows[i].Length; j++) rows[i][j] = covariates[i, j];
        }
        return Fit(rows, time, eventObserved, names);
    }

    private CoxFit FitCore(double[,] x, double[] time, bool[] ev, IReadOnlyList<string>? names)
    {
        int n = x.GetLength(0), p = x.GetLength(1);
        if (!(Level > 0 && Level < 1)) throw new ArgumentOutOfRangeException(nameof(Level), Level, "Level must lie in (0, 1).");
        if (names is not null && names.Count != p)
            throw new ArgumentException($"{names.Count} names given for {p} covariates.", nameof(names));
        var labels = names?.ToArray() ?? Enumerable.Range(1, p).Select(j => $"x{j}").ToArray();
        if (!ev.Any(e => e)) throw new NoEventsException($"Cox regression: none of the {n} subjects has an observed death.");

        var means = new double[p];
        for (int j = 0; j < p; j++)
        {
            bool constant = true;
            for (int i = 0; i < n; i++)
            {
                means[j] += x[i, j];
                constant &= x[i, j] == x[0, j];
            }
            means[j] /= n;
            for (int i = 0; i < n; i++) x[i, j] -= means[j];
            if (constant)
                throw new ArgumentException($"covariate {j} ('{labels[j]}') is constant; its coefficient is not identifiable.", "covariates");
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => time[i]).ToArray();

        var beta = Vector<double>.Build.Dense(p);
        var current = Evaluate(x, time, ev, order, beta);
        double nullLoglik = current.Loglik;
        bool converged = false;
        int iterations = 0;
        while (iterations < MaxIterations)
        {
            iterations++;
            var step = Solve(current.Information, current.Score, labels);
            var next = beta + step;
            var trial = Evaluate(x, time, ev, order, next);
            // Step halving, as coxph, when a full Newton step lowers the likelihood.
            for (int h = 0; h < 30 && !(trial.Loglik >= current.Loglik); h++)
            {
                next = (beta + next) / 2;
                trial = Evaluate(x, time, ev, order, next);
            }
            double change = Math.Abs(trial.Loglik - current.Loglik);
            beta = next;
            current = trial;
            if (change <= Tolerance * Math.Max(Math.Abs(trial.Loglik), 1e-300) || change == 0)
            {
                converged = true;
                break;
            }
        }

        var covariance = Inverse(current.Information, labels);
        double z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        var coef = beta.ToArray();
        var se = Enumerable.Range(0, p).Select(j => Math.Sqrt(covariance[j, j])).ToArray();
        var wald = coef.Zip(se, (b, s) => b / s).ToArray();
        double lr = 2 * (current.Loglik - nullLoglik);
        return new CoxFit(
            labels, coef, se,
            coef.Select(Math.Exp).ToArray(),
            coef.Zip(se, (b, s) => Math.Exp(b - z * s)).ToArray(),
            coef.Zip(se, (b, s) => Math.Exp(b + z * s)).ToArray(),
            wald,
            wald.Select(w => 2 * Normal.CDF(0, 1, -Math.Abs(w))).ToArray(),
            covariance.ToArray(), means, current.Loglik, nullLoglik, lr,
            MathNet.Numerics.SpecialFunctions.GammaUpperRegularized(p / 2.0, Math.Max(lr, 0) / 2),
            iterations, converged, Ties, Level);
    }

    private Vector<double> Solve(Matrix<double> information, Vector<double> score, string[] labels)
    {
        try { return information.Cholesky().Solve(score); }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"the Cox information matrix is not positive definite: covariates ({string.Join(", ", labels)}) are collinear " +
                "or a coefficient diverges (complete separation).", "covariates", e);
        }
    }

    private static Matrix<double> Inverse(Matrix<double> information, string[] labels)
    {
        try { return information.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(information.RowCount)); }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"the Cox information matrix at the fit is singular; covariates ({string.Join(", ", labels)}) are collinear or a coefficient is infinite.", "covariates", e);
        }
    }

    private readonly record struct Evaluation(double Loglik, Vector<double> Score, Matrix<double> Information);

    /// <summary>Log partial likelihood, score and observed information at β (risk-set sums swept from the longest time).</summary>
    private Evaluation Evaluate(double[,] x, double[] time, bool[] ev, int[] order, Vector<double> beta)
    {
        int n = x.GetLength(0), p = x.GetLength(1);
        var eta = new double[n];
        double shift = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < p; j++) s += x[i, j] * beta[j];
            eta[i] = s;
            shift = Math.Max(shift, s);
        }
        // exp(eta - shift) cannot overflow; the shift returns in the log-likelihood below.
        double s0 = 0, d0 = 0, loglik = 0;
        var s1 = new double[p]; var d1 = new double[p];
        var s2 = new double[p, p]; var d2 = new double[p, p];
        var score = new double[p];
        var info = new double[p, p];
        var mean = new double[p];
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]]) stop++;
            d0 = 0; Array.Clear(d1); Array.Clear(d2);
            int deaths = 0;
            for (int s = start; s <= stop; s++)
            {
                int i = order[s];
                double w = Math.Exp(eta[i] - shift);
                s0 += w;
                for (int a = 0; a < p; a++)
                {
                    s1[a] += w * x[i, a];
                    for (int b = 0; b <= a; b++) s2[a, b] += w * x[i, a] * x[i, b];
                }
                if (!ev[i]) continue;
                deaths++;
                d0 += w;
                loglik += eta[i];
                for (int a = 0; a < p; a++)
                {
                    score[a] += x[i, a];
                    d1[a] += w * x[i, a];
                    for (int b = 0; b <= a; b++) d2[a, b] += w * x[i, a] * x[i, b];
                }
            }
            for (int l = 0; l < deaths; l++)
            {
                double f = Ties == CoxTies.Efron ? (double)l / deaths : 0;
                double denom = s0 - f * d0;
                loglik -= Math.Log(denom) + shift;
                for (int a = 0; a < p; a++)
                {
                    mean[a] = (s1[a] - f * d1[a]) / denom;
                    score[a] -= mean[a];
                }
                for (int a = 0; a < p; a++)
                    for (int b = 0; b <= a; b++)
                        info[a, b] += (s2[a, b] - f * d2[a, b]) / denom - mean[a] * mean[b];
            }
            start = stop + 1;
        }
        for (int a = 0; a < p; a++)
            for (int b = 0; b < a; b++) info[b, a] = info[a, b];
        return new Evaluation(loglik, Vector<double>.Build.DenseOfArray(score), Matrix<double>.Build.DenseOfArray(info));
    }
}

/// <summary>A fitted Cox model.</summary>
/// <param name="Names">Covariate names.</param>
/// <param name="Coefficients">Log hazard ratios β.</param>
/// <param name="StdErrors">Standard errors of β (inverse observed information).</param>
/// <param name="HazardRatios">exp(β).</param>
/// <param name="Lower">Lower confidence limit of the hazard ratio, exp(β - z·se).</param>
/// <param name="Upper">Upper confidence limit, exp(β + z·se).</param>
/// <param name="Z">Wald statistics β / se.</param>
/// <param name="PValues">Two-sided Wald p-values.</param>
/// <param name="Covariance">Covariance matrix of β.</param>
/// <param name="Means">Covariate means (the model is fitted on centred covariates).</param>
/// <param name="LogLikelihood">Log partial likelihood at β.</param>
/// <param name="LogLikelihoodNull">Log partial likelihood at β = 0.</param>
/// <param name="LikelihoodRatio">2 (LogLikelihood - LogLikelihoodNull).</param>
/// <param name="LikelihoodRatioPValue">Chi-square (p degrees of freedom) upper tail of the likelihood ratio.</param>
/// <param name="Iterations">Newton iterations used.</param>
/// <param name="Converged">False when the iterations ran out (e.g. a diverging coefficient).</param>
/// <param name="Ties">Tie handling used.</param>
/// <param name="Level">Confidence level of the intervals.</param>
public sealed record CoxFit(
    string[] Names, double[] Coefficients, double[] StdErrors, double[] HazardRatios, double[] Lower, double[] Upper,
    double[] Z, double[] PValues, double[,] Covariance, double[] Means, double LogLikelihood, double LogLikelihoodNull,
    double LikelihoodRatio, double LikelihoodRatioPValue, int Iterations, bool Converged, CoxTies Ties, double Level)
{
    /// <summary>Log relative hazard x·β of one subject (higher = worse), uncentred.</summary>
    public double LinearPredictor(IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        SurvivalInput.CheckSameLength(Coefficients.Length, x.Count, nameof(x), "the coefficients");
        double s = 0;
        for (int j = 0; j < x.Count; j++) s += Coefficients[j] * x[j];
        return s;
    }
}
