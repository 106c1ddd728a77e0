using System.Buffers;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using CoxEvaluation = VPTSurv.Survival.CoxLikelihood.Evaluation;

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
/// <param name="Ridge">L2 penalty θ: the fit maximises log PL - θ/2 Σ β² (R's <c>ridge(x, theta = θ, scale = FALSE)</c>);
/// the covariance is then the inverse of the penalized information, as R's <c>fit$var</c>. 0 = no penalty.</param>
/// <param name="Lasso">L1 penalty λ1: the fit maximises log PL - <paramref name="Ridge"/>/2 Σ β² - λ1 Σ |β| (lasso, or the
/// elastic net together with <paramref name="Ridge"/>). In glmnet's terms (<c>family = "cox"</c>, <c>standardize = FALSE</c>,
/// which minimises -(1/n) log PL + λ((1-α)/2 ‖β‖² + α ‖β‖₁)): Lasso = nλα and Ridge = nλ(1-α); see
/// <see cref="ElasticNet"/>. With Lasso &gt; 0 the fit is a proximal Newton iteration (the quadratic model minimised
/// with its L1 term by coordinate descent, then step halving), coefficients can be exactly 0, and the fit has no
/// standard errors: <see cref="CoxFit.StdErrors"/>, intervals, Wald statistics and robust errors are NaN, as glmnet
/// reports none. 0 = no L1 penalty.</param>
public sealed record CoxRegression(
    CoxTies Ties = CoxTies.Efron, int MaxIterations = 50, double Tolerance = 1e-12, double Level = 0.95, double Ridge = 0,
    double Lasso = 0)
{
    /// <summary>
    /// The elastic net in glmnet's parametrisation for <paramref name="subjects"/> subjects: Lasso = nλα, Ridge = nλ(1-α)
    /// (α = 1 is the lasso, α = 0 ridge).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">λ negative or not finite, α outside [0, 1], or no subjects.</exception>
    public static CoxRegression ElasticNet(double lambda, double alpha, int subjects, CoxTies ties = CoxTies.Efron)
    {
        if (!(lambda >= 0 && double.IsFinite(lambda))) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be finite and >= 0.");
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in [0, 1].");
        if (subjects < 1) throw new ArgumentOutOfRangeException(nameof(subjects), subjects, "the number of subjects must be >= 1.");
        return new CoxRegression(ties, Ridge: subjects * lambda * (1 - alpha), Lasso: subjects * lambda * alpha);
    }

    /// <summary>Fits the model; <paramref name="covariates"/> is n rows of p values.</summary>
    /// <param name="covariates">One row per subject, one column per covariate.</param>
    /// <param name="time">Follow-up times.</param>
    /// <param name="eventObserved">True where death was observed.</param>
    /// <param name="names">Optional covariate names (default x1, x2, …).</param>
    /// <param name="strata">Optional stratum label per subject: each stratum has its own baseline hazard and risk sets (R's <c>strata()</c>).</param>
    /// <param name="cluster">Optional cluster label per subject: adds the robust (sandwich) covariance summed over clusters (R's <c>cluster()</c>).</param>
    /// <exception cref="ArgumentException">Bad input (row and column named), a constant or collinear covariate (a singular design).</exception>
    /// <exception cref="NoEventsException">No observed death.</exception>
    public CoxFit Fit(
        IReadOnlyList<double[]> covariates, IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<string>? names = null,
        IReadOnlyList<string>? strata = null, IReadOnlyList<string>? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        SurvivalInput.CheckSameLength(time.Count, covariates.Count, nameof(covariates));
        int n = time.Count;
        if (n == 0) throw new ArgumentException("Cox regression needs at least one subject.", nameof(time));
        int p = covariates[0]?.Length ?? throw new ArgumentException("covariates[0] is null.", nameof(covariates));
        if (p == 0) throw new ArgumentException("Cox regression needs at least one covariate.", nameof(covariates));
        int[]? stratum = null, clusterCode = null;
        string[] stratumLabels = ["all"];
        if (strata is not null)
        {
            SurvivalInput.CheckSameLength(n, strata.Count, nameof(strata));
            stratum = Labels.Encode(strata, nameof(strata), out stratumLabels);
        }
        if (cluster is not null)
        {
            SurvivalInput.CheckSameLength(n, cluster.Count, nameof(cluster));
            clusterCode = Labels.Encode(cluster, nameof(cluster), out _);
        }
        var t = SurvivalInput.ReadOnlyArray(time);
        // Stratum ascending, then time descending: each stratum is one block whose risk sets are its prefixes. The
        // sweeps read subjects in this order many times, so the covariates are stored in it (column by column). Their
        // working copy comes from the shared pool: repeated fits of large data do not touch fresh memory (only the
        // first n · p entries are used).
        var order = CoxOrder.StratumThenTimeDescending(stratum, t);
        var x = ArrayPool<double>.Shared.Rent(n * p);
        try
        {
            var (means, constant) = CopySorted(covariates, order, p, x);
            return FitCore(x, p, means, constant, order, t, SurvivalInput.ReadOnlyArray(eventObserved), names, stratum, stratumLabels, clusterCode);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(x);
        }
    }

    /// <summary>
    /// Checks the rows and copies them into <paramref name="x"/> column by column in sweep order, centred: in input
    /// order first (rows read in sequence; each column's sum, range and whether it holds only -1, 0, 1 on the way),
    /// then each column permuted through one scratch column (random reads within one column, not across all rows) with
    /// its centre subtracted. The centre is the mean, or 0 for a covariate with values only in {-1, 0, 1}, as R's
    /// coxph (nocenter = c(-1, 0, 1)): the baseline hazard refers to 0 there; the likelihood does not depend on it.
    /// Returns the centres and the first constant column (-1 if none).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (double[] Means, int Constant) CopySorted(IReadOnlyList<double[]> covariates, int[] order, int p, double[] x)
    {
        int n = order.Length;
        var sum = new double[p];
        var min = new double[p];
        var max = new double[p];
        var indicator = new bool[p];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        Array.Fill(indicator, true);
        for (int i = 0; i < n; i++)
        {
            var row = covariates[i] ?? throw new ArgumentException($"covariates[{i}] is null.", nameof(covariates));
            if (row.Length != p)
                throw new ArgumentException($"covariates[{i}] has {row.Length} values; row 0 has {p}.", nameof(covariates));
            for (int j = 0; j < p; j++)
            {
                double v = row[j];
                if (!double.IsFinite(v))
                    throw new ArgumentException($"covariates[{i}][{j}] = {v}: expected a finite number.", nameof(covariates));
                x[j * n + i] = v;
                sum[j] += v;
                min[j] = Math.Min(min[j], v);
                max[j] = Math.Max(max[j], v);
                indicator[j] &= v is -1 or 0 or 1;
            }
        }
        var means = new double[p];
        int constant = -1;
        var scratch = ArrayPool<double>.Shared.Rent(n);
        for (int j = 0; j < p; j++)
        {
            if (min[j] == max[j] && constant < 0) constant = j;
            double m = means[j] = indicator[j] ? 0 : sum[j] / n;
            var col = x.AsSpan(j * n, n);
            col.CopyTo(scratch);
            for (int s = 0; s < n; s++) col[s] = scratch[order[s]] - m;
        }
        ArrayPool<double>.Shared.Return(scratch);
        return (means, constant);
    }

    /// <summary>Fits the model; <paramref name="covariates"/> is an n × p matrix.</summary>
    public CoxFit Fit(
        double[,] covariates, IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<string>? names = null,
        IReadOnlyList<string>? strata = null, IReadOnlyList<string>? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        var rows = new double[covariates.GetLength(0)][];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new double[covariates.GetLength(1)];
            for (int j = 0; j < rows[i].Length; j++) rows[i][j] = covariates[i, j];
        }
        return Fit(rows, time, eventObserved, names, strata, cluster);
    }

    // xs: covariates column by column, rows already in `order` (subjects by stratum, then time descending; see
    // CoxOrder), centred at `means`; `constant`: the first constant column (-1 if none); time, ev, stratum, cluster in
    // the input order.
    // Its loops (the sorted copies of time, event and stratum) run once per call on large inputs: compiled optimised at once.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private CoxFit FitCore(double[] xs, int p, double[] means, int constant, int[] order, double[] time, bool[] ev, IReadOnlyList<string>? names, int[]? stratum, string[] stratumLabels, int[]? cluster)
    {
        int n = time.Length;
        if (!(Level > 0 && Level < 1)) throw new ArgumentOutOfRangeException(nameof(Level), Level, "Level must lie in (0, 1).");
        if (names is not null && names.Count != p)
            throw new ArgumentException($"{names.Count} names given for {p} covariates.", nameof(names));
        var labels = names?.ToArray() ?? Enumerable.Range(1, p).Select(j => $"x{j}").ToArray();
        if (Array.IndexOf(ev, true) < 0) throw new NoEventsException($"Cox regression: none of the {n} subjects has an observed death.");
        if (!(Ridge >= 0 && double.IsFinite(Ridge))) throw new ArgumentOutOfRangeException(nameof(Ridge), Ridge, "Ridge must be finite and >= 0.");
        if (!(Lasso >= 0 && double.IsFinite(Lasso))) throw new ArgumentOutOfRangeException(nameof(Lasso), Lasso, "Lasso must be finite and >= 0.");

        if (constant >= 0)
            throw new ArgumentException($"covariate {constant} ('{labels[constant]}') is constant; its coefficient is not identifiable.", "covariates");
        // Time, event and stratum in sweep order, in pooled buffers (the first n entries).
        var ts = ArrayPool<double>.Shared.Rent(n);
        var es = ArrayPool<bool>.Shared.Rent(n);
        var ss = ArrayPool<int>.Shared.Rent(n);
        try
        {
            for (int s = 0; s < n; s++)
            {
                int i = order[s];
                (ts[s], es[s], ss[s]) = (time[i], ev[i], stratum?[i] ?? 0);
            }
            return FitSorted(xs, p, means, order, n, ts, es, ss, labels, stratumLabels, cluster);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(ts);
            ArrayPool<bool>.Shared.Return(es);
            ArrayPool<int>.Shared.Return(ss);
        }
    }

    // The Newton–Raphson fit and its summaries; ts, es, ss: time, event and stratum in sweep order (first n entries).
    private CoxFit FitSorted(double[] xs, int p, double[] means, int[] order, int n, double[] ts, bool[] es, int[] ss,
        string[] labels, string[] stratumLabels, int[]? cluster)
    {
        using var likelihood = new CoxLikelihood(xs, p, n, ts, es, ss);
        CoxEvaluation Evaluate(Vector<double> b) => likelihood.Evaluate(b, Ties);

        var beta = Vector<double>.Build.Dense(p);
        var current = Penalize(Evaluate(beta), beta);
        double nullLoglik = current.Loglik;
        var nullScore = current.Score;
        var nullInformation = current.Information;
        bool converged = false;
        int iterations = 0;
        // The objective: the (ridge-)penalized log-likelihood minus the L1 term.
        double Objective(CoxEvaluation e, Vector<double> b) => Lasso > 0 ? e.Loglik - Lasso * b.L1Norm() : e.Loglik;
        while (iterations < MaxIterations)
        {
            iterations++;
            var next = Lasso > 0 ? ProximalNewtonTarget(current, beta) : beta + Solve(current.Information, current.Score, labels);
            var trial = Penalize(Evaluate(next), next);
            // Step halving, as coxph, when a full Newton step lowers the likelihood. Near the optimum the change is
            // at rounding level and may be slightly negative: such a step is kept, or halving would stall the fit.
            double before = Objective(current, beta), after = Objective(trial, next);
            double slack = 1e-10 * Math.Abs(before);
            for (int h = 0; h < 30 && !(after >= before - slack); h++)
            {
                next = (beta + next) / 2;
                trial = Penalize(Evaluate(next), next);
                after = Objective(trial, next);
            }
            double change = Math.Abs(after - before);
            // With an L1 term the active set must also have settled: the step is then a Newton step on it.
            bool settled = Lasso == 0 || (next - beta).InfinityNorm() <= 1e-9 * Math.Max(1, next.InfinityNorm());
            beta = next;
            current = trial;
            if ((change <= Tolerance * Math.Max(Math.Abs(after), 1e-300) || change == 0) && settled)
            {
                converged = true;
                break;
            }
        }

        // An L1 fit has no standard errors (glmnet reports none): covariance, intervals and Wald figures are NaN.
        var covariance = Lasso > 0 ? Matrix<double>.Build.Dense(p, p, double.NaN) : Inverse(current.Information, labels);
        double z = Normal.InvCDF(0, 1, 1 - (1 - Level) / 2);
        var coef = beta.ToArray();
        var se = Enumerable.Range(0, p).Select(j => Math.Sqrt(covariance[j, j])).ToArray();
        var wald = coef.Zip(se, (b, s) => b / s).ToArray();
        // The reported log-likelihoods are the partial likelihood itself, without the penalty (as R's fit$loglik).
        double penalty = Ridge / 2 * beta.DotProduct(beta);
        double lr = 2 * (current.Loglik + penalty - nullLoglik);
        double scoreTest = Lasso > 0 && !IsPositiveDefinite(nullInformation)
            ? double.NaN
            : nullScore.DotProduct(Inverse(nullInformation, labels) * nullScore);
        double waldTest = Lasso > 0 ? double.NaN : beta.DotProduct(Inverse(covariance, labels) * beta);
        // The last evaluation was at the final β (every step's trial becomes the current fit).
        var baseline = CoxBaselineHazard.Build(likelihood.LastTerms(), stratumLabels);
        double[,]? robust = null;
        if (cluster is not null && Lasso > 0) robust = Matrix<double>.Build.Dense(p, p, double.NaN).ToArray();
        else if (cluster is not null)
        {
            var data = new CoxData(xs, p, ts[..n], es[..n], Enumerable.Range(0, n).ToArray(), ss[..n]);
            var dfbeta = CoxScoreResiduals.Compute(data, beta, Ties) * covariance;
            int clusters = cluster.Max() + 1;
            var collapsed = Matrix<double>.Build.Dense(clusters, p);
            for (int s = 0; s < n; s++)
                for (int j = 0; j < p; j++) collapsed[cluster[order[s]], j] += dfbeta[s, j];
            robust = (collapsed.Transpose() * collapsed).ToArray();
        }
        return new CoxFit(
            labels, coef, se,
            coef.Select(Math.Exp).ToArray(),
            coef.Zip(se, (b, s) => Math.Exp(b - z * s)).ToArray(),
            coef.Zip(se, (b, s) => Math.Exp(b + z * s)).ToArray(),
            wald,
            wald.Select(w => 2 * Normal.CDF(0, 1, -Math.Abs(w))).ToArray(),
            covariance.ToArray(), means, current.Loglik + penalty, nullLoglik, lr,
            LogRankCore.ChiSquareUpper(lr, p),
            iterations, converged, Ties, Level)
        {
            ScoreTest = scoreTest,
            ScoreTestPValue = LogRankCore.ChiSquareUpper(scoreTest, p),
            WaldTest = waldTest,
            WaldTestPValue = LogRankCore.ChiSquareUpper(waldTest, p),
            RobustCovariance = robust,
            Ridge = Ridge,
            Lasso = Lasso,
            Baseline = baseline,
        };
    }

    private CoxEvaluation Penalize(CoxEvaluation e, Vector<double> beta)
    {
        if (Ridge == 0) return e;
        int p = beta.Count;
        return e with
        {
            Loglik = e.Loglik - Ridge / 2 * beta.DotProduct(beta), Score = e.Score - Ridge * beta,
            Information = e.Information + Matrix<double>.Build.DenseIdentity(p) * Ridge,
        };
    }

    /// <summary>
    /// The minimiser over z of the quadratic model of -objective at β with the L1 term: ½ zᵀHz - (g + Hβ)ᵀz + λ1 ‖z‖₁
    /// (g, H the penalized score and information), by cyclic coordinate descent with soft thresholding.
    /// </summary>
    private Vector<double> ProximalNewtonTarget(CoxEvaluation e, Vector<double> beta)
    {
        var h = e.Information;
        var c = e.Score + h * beta;
        var z = beta.Clone();
        int p = beta.Count;
        for (int sweep = 0; sweep < 100_000; sweep++)
        {
            double moved = 0;
            for (int j = 0; j < p; j++)
            {
                double r = c[j];
                for (int k = 0; k < p; k++) if (k != j) r -= h[j, k] * z[k];
                double updated = h[j, j] > 0 ? Math.Sign(r) * Math.Max(Math.Abs(r) - Lasso, 0) / h[j, j] : 0;
                moved = Math.Max(moved, Math.Abs(updated - z[j]));
                z[j] = updated;
            }
            if (moved <= 1e-15 * Math.Max(1, z.InfinityNorm())) break;
        }
        return z;
    }

    private static bool IsPositiveDefinite(Matrix<double> m)
    {
        try { m.Cholesky(); return true; }
        catch (ArgumentException) { return false; }
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
/// <param name="Means">Centring of each covariate: its mean, or 0 for a covariate with values only in {-1, 0, 1}
/// (R's <c>fit$means</c>); the baseline hazard refers to these values.</param>
/// <param name="LogLikelihood">Log partial likelihood at β.</param>
/// <param name="LogLikelihoodNull">Log partial likelihood at β = 0.</param>
/// <param name="LikelihoodRatio">2 (LogLikelihood - LogLikelihoodNull).</param>
/// <param name="LikelihoodRatioPValue">Chi-square (p degrees of freedom) upper tail of the likelihood ratio.</param>
/// <param name="Iterations">Newton iterations used.</param>
/// <param name="Converged">False when the iterations ran out (e.g. a diverging coefficient).</param>
/// <param name="Ties">Tie handling used.</param>
/// <param name="Level">Confidence level of the intervals.</param>
public sealed partial record CoxFit(
    string[] Names, double[] Coefficients, double[] StdErrors, double[] HazardRatios, double[] Lower, double[] Upper,
    double[] Z, double[] PValues, double[,] Covariance, double[] Means, double LogLikelihood, double LogLikelihoodNull,
    double LikelihoodRatio, double LikelihoodRatioPValue, int Iterations, bool Converged, CoxTies Ties, double Level)
    : ISurvivalResult
{
    /// <summary>Score (log-rank) test of β = 0: U(0)ᵀ I(0)⁻¹ U(0) on p df (R's <c>fit$score</c>).</summary>
    public double ScoreTest { get; init; } = double.NaN;

    /// <summary>Chi-square upper tail of <see cref="ScoreTest"/>.</summary>
    public double ScoreTestPValue { get; init; } = double.NaN;

    /// <summary>Global Wald test βᵀ V⁻¹ β on p df (R's <c>fit$wald.test</c>).</summary>
    public double WaldTest { get; init; } = double.NaN;

    /// <summary>Chi-square upper tail of <see cref="WaldTest"/>.</summary>
    public double WaldTestPValue { get; init; } = double.NaN;

    /// <summary>Robust (sandwich) covariance Σ_c D_cᵀ D_c over clusters of the dfbeta residuals (R's <c>cluster()</c>); null without clusters.</summary>
    public double[,]? RobustCovariance { get; init; }

    /// <summary>Robust standard errors (square roots of the diagonal of <see cref="RobustCovariance"/>); null without clusters.</summary>
    public double[]? RobustStdErrors => RobustCovariance is { } v ? Enumerable.Range(0, Names.Length).Select(j => Math.Sqrt(v[j, j])).ToArray() : null;

    /// <summary>The L2 penalty θ of the fit (0 = none).</summary>
    public double Ridge { get; init; }

    /// <summary>The L1 penalty λ1 of the fit (0 = none); with it the standard errors are NaN.</summary>
    public double Lasso { get; init; }

    /// <summary>Baseline cumulative hazard at the covariate means, per stratum.</summary>
    public CoxBaseline? Baseline { get; init; }

    /// <summary>
    /// Predicted survival S(t | x) = exp(-Λ0_s(t) exp((x - means)·β)) of a new subject at chosen times, as R's
    /// <c>survfit(fit, newdata)</c> (the stratum is given by its index in <see cref="CoxBaseline.Strata"/>).
    /// </summary>
    public double[] PredictSurvival(IReadOnlyList<double> x, IReadOnlyList<double> times, int stratum = 0)
    {
        ArgumentNullException.ThrowIfNull(times);
        var baseline = Baseline ?? throw new InvalidOperationException("this fit carries no baseline hazard.");
        if ((uint)stratum >= (uint)baseline.Strata.Length)
            throw new ArgumentOutOfRangeException(nameof(stratum), stratum, $"the fit has {baseline.Strata.Length} strata.");
        double lp = LinearPredictor(x) - Coefficients.Zip(Means, (b, m) => b * m).Sum();
        double risk = Math.Exp(lp);
        return times.Select(t => Math.Exp(-baseline.At(stratum, t) * risk)).ToArray();
    }

    /// <inheritdoc />
    public SurvivalTable Summary => new(
        FormattableString.Invariant($"Cox regression ({Ties} ties{(Ridge > 0 ? $", ridge θ = {Ridge}" : "")}{(Lasso > 0 ? $", lasso λ1 = {Lasso}" : "")}): LR = {LikelihoodRatio:G6}, Wald = {WaldTest:G6}, score = {ScoreTest:G6} on {Names.Length} df"),
        ["covariate", "coef", "HR", "se", "robust se", "z", "p", "lower", "upper"],
        [.. Names.Select((nm, j) => (IReadOnlyList<object>)[nm, Coefficients[j], HazardRatios[j], StdErrors[j],
            RobustStdErrors?[j] ?? double.NaN, Z[j], PValues[j], Lower[j], Upper[j]])]);

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
