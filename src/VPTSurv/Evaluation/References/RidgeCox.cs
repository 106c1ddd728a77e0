using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Evaluation.References;

/// <summary>
/// A Cox model with an L2 (ridge) penalty: minimises −log partial likelihood (Efron ties) + (λ / 2) ‖β‖². The penalty
/// keeps a model on many correlated or weak features finite when a small training split would otherwise separate.
/// <see cref="CoxRegression"/> (validated against R) has no penalty, so this fit lives here: the likelihood and its
/// gradient come from <see cref="SurvivalLoss.CoxPartialLikelihood"/> (autograd, float64), the minimiser is MathNet's BFGS.
/// With λ = 0 it is the ordinary Cox fit.
/// </summary>
/// <param name="Penalty">λ, on the summed (not averaged) log partial likelihood; with standardised features λ = 1 is a
/// prior of unit variance per coefficient, small against the dozens of deaths of a training split.</param>
public sealed record RidgeCox(double Penalty = 1.0)
{
    /// <summary>Fits β (no intercept: the partial likelihood has none) on <paramref name="x"/> (n rows of p values).</summary>
    /// <exception cref="NoEventsException">No observed death.</exception>
    /// <exception cref="ArgumentException">Bad shapes or values (named), or a negative penalty.</exception>
    public double[] Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!(Penalty >= 0)) throw new ArgumentOutOfRangeException(nameof(Penalty), Penalty, "the penalty must be >= 0.");
        if (time.Count != x.Count) throw new ArgumentException($"x has {x.Count} rows but time has {time.Count}.", nameof(x));
        if (eventObserved.Count != x.Count) throw new ArgumentException($"x has {x.Count} rows but eventObserved has {eventObserved.Count}.", nameof(eventObserved));
        int n = x.Count, p = n == 0 ? 0 : x[0].Length;
        if (p == 0) throw new ArgumentException("ridge Cox needs at least one covariate.", nameof(x));
        int events = eventObserved.Count(e => e);
        if (events == 0) throw new NoEventsException($"ridge Cox: none of the {n} subjects has an observed death.");
        var flat = new double[n * p];
        for (int i = 0; i < n; i++)
        {
            if (x[i].Length != p) throw new ArgumentException($"x[{i}] has {x[i].Length} values; row 0 has {p}.", nameof(x));
            for (int j = 0; j < p; j++)
                flat[i * p + j] = double.IsFinite(x[i][j]) ? x[i][j] : throw new ArgumentException($"x[{i}][{j}] = {x[i][j]}: expected a finite number.", nameof(x));
        }
        using var xs = tensor(flat, [n, p], ScalarType.Float64);                          // (n, p)
        using var ts = tensor(time.ToArray(), ScalarType.Float64);                          // (n)
        using var es = tensor(eventObserved.Select(e => e ? 1.0 : 0.0).ToArray(), ScalarType.Float64);

        (double, Vector<double>) Objective(Vector<double> b)
        {
            using var scope = NewDisposeScope();
            var beta = tensor(b.ToArray(), ScalarType.Float64).requires_grad_(true);       // (p)
            var nll = SurvivalLoss.CoxPartialLikelihood(xs.matmul(beta), ts, es) * events
                      + 0.5 * Penalty * beta.pow(2).sum();
            nll.backward();
            return (nll.item<double>(), Vector<double>.Build.DenseOfArray(beta.grad!.data<double>().ToArray()));
        }

        var start = Vector<double>.Build.Dense(p);
        try
        {
            var result = new BfgsMinimizer(1e-8, 1e-10, 1e-12, 500).FindMinimum(ObjectiveFunction.Gradient(Objective), start);
            return result.MinimizingPoint.ToArray();
        }
        catch (Exception e) when (e is MaximumIterationsException or InnerOptimizationException)
        {
            throw new InvalidOperationException($"ridge Cox (λ = {Penalty}) did not converge on {n} subjects, {p} covariates: {e.Message}", e);
        }
    }
}
