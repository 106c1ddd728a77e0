using MathNet.Numerics.LinearAlgebra;
using VPTSurv.Survival;

namespace VPTSurv.Evaluation.References;

/// <summary>
/// A linear Cox probe of a feature set: features standardised on the training rows, projected on the first k principal
/// components of the training rows (SVD), k chosen by the validation split's Harrell C among <see cref="Candidates"/>
/// (ties: the smaller k), and a ridge Cox model on those components. It answers "how much survival signal does a linear
/// model read from these features", without the capacity (or the optimisation trouble) of a trained decoder.
/// </summary>
/// <param name="Candidates">Numbers of components tried (those above min(n − 1, p) are skipped).</param>
/// <param name="Penalty">Ridge penalty of the Cox fit (<see cref="CoxRegression.Ridge"/>: Efron ties, maximising log PL - θ/2 ‖β‖²).</param>
public sealed record LinearCoxProbe(IReadOnlyList<int>? Candidates = null, double Penalty = 1.0)
{
    /// <summary>The default candidates: 1, 2, 3, 4, 6, 8, 12, 16 components.</summary>
    public IReadOnlyList<int> ComponentCandidates => Candidates ?? [1, 2, 3, 4, 6, 8, 12, 16];

    /// <summary>Fits on the training rows and chooses k on the validation rows.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, or no candidate fits the training rows.</exception>
    /// <exception cref="NoComparablePairsException">The validation rows hold no comparable pair (k cannot be chosen).</exception>
    public LinearCoxProbeFit Fit(IReadOnlyList<double[]> trainX, SurvivalTargets train, IReadOnlyList<double[]> valX, SurvivalTargets val)
    {
        ArgumentNullException.ThrowIfNull(trainX);
        ArgumentNullException.ThrowIfNull(valX);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(val);
        if (trainX.Count != train.Count) throw new ArgumentException($"trainX has {trainX.Count} rows but the training targets {train.Count}.", nameof(trainX));
        if (valX.Count != val.Count) throw new ArgumentException($"valX has {valX.Count} rows but the validation targets {val.Count}.", nameof(valX));
        var scaler = Standardizer.Fit(trainX);
        var z = Matrix<double>.Build.DenseOfRowArrays(trainX.Select(scaler.Apply));          // (n, p')
        var svd = z.Svd(computeVectors: true);
        var v = svd.VT.Transpose();                                                          // (p', r)
        int max = Math.Min(z.RowCount - 1, v.ColumnCount);
        var ks = ComponentCandidates.Where(k => k >= 1 && k <= max).Distinct().Order().ToArray();
        if (ks.Length == 0) throw new ArgumentException($"no candidate number of components fits {z.RowCount} training rows of {z.ColumnCount} features.", nameof(trainX));
        var variance = svd.S.PointwisePower(2);
        double total = variance.Sum();
        var zVal = valX.Select(scaler.Apply).ToArray();
        var cox = new CoxRegression(CoxTies.Efron, Ridge: Penalty);
        var valC = new Dictionary<int, double>();
        (int K, double[] Beta) best = (0, []);
        foreach (var k in ks)
        {
            var basis = v.SubMatrix(0, v.RowCount, 0, k);
            var scores = z.Multiply(basis).ToRowArrays();
            var beta = cox.Fit(scores, train.Time, train.EventObserved).Coefficients;
            var risk = zVal.Select(r => Dot(basis.LeftMultiply(Vector<double>.Build.DenseOfArray(r)).ToArray(), beta)).ToArray();
            valC[k] = new HarrellConcordance().Fit(val, risk).CIndex;
            if (best.K == 0 || valC[k] > valC[best.K]) best = (k, beta);
        }
        return new LinearCoxProbeFit(scaler, v.SubMatrix(0, v.RowCount, 0, best.K), best.Beta, best.K,
            variance.SubVector(0, best.K).Sum() / total, valC);
    }

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}

/// <summary>A fitted <see cref="LinearCoxProbe"/>.</summary>
public sealed class LinearCoxProbeFit
{
    private readonly Standardizer _scaler;
    private readonly Matrix<double> _basis;

    internal LinearCoxProbeFit(Standardizer scaler, Matrix<double> basis, double[] coefficients, int components, double varianceShare,
        IReadOnlyDictionary<int, double> validationC)
    {
        _scaler = scaler; _basis = basis; Coefficients = coefficients; Components = components; VarianceShare = varianceShare; ValidationC = validationC;
    }

    /// <summary>The chosen number of principal components.</summary>
    public int Components { get; }

    /// <summary>Share of the standardised training variance those components hold.</summary>
    public double VarianceShare { get; }

    /// <summary>Cox coefficients of the components.</summary>
    public IReadOnlyList<double> Coefficients { get; }

    /// <summary>Validation C of every candidate number of components.</summary>
    public IReadOnlyDictionary<int, double> ValidationC { get; }

    /// <summary>The log relative hazard of one feature row (higher = worse).</summary>
    public double Risk(double[] features) =>
        LinearCoxProbe.Dot(_basis.LeftMultiply(Vector<double>.Build.DenseOfArray(_scaler.Apply(features))).ToArray(), [.. Coefficients]);
}
