using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using VPTSurv.Encoders;
using VPTSurv.Slides;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>One tile-level property a linear probe predicts from frozen features.</summary>
/// <param name="Name">Short name (JSON key).</param>
/// <param name="Description">What is predicted, on which tiles, on what scale.</param>
/// <param name="IsClassification">True: ±1 labels, scored by accuracy; false: a regression, scored by R² (and Spearman ρ).</param>
/// <param name="Includes">Whether tile i takes part (fitted and scored).</param>
/// <param name="Value">The target of tile i (for a classification, positive means the positive class).</param>
public sealed record ProbeTarget(string Name, string Description, bool IsClassification, Func<ProbeTiles, int, bool> Includes, Func<ProbeTiles, int, double> Value)
{
    /// <summary>Tissue versus background (≥ 50 % of the tile on tissue), all tiles: accuracy.</summary>
    public static ProbeTarget Tissue { get; } = new("tissue", "tissue (>= 50% of the tile) vs background, all tiles; accuracy", true,
        (_, _) => true, (d, i) => d.TissueFraction[i] >= 0.5 ? 1 : -1);

    /// <summary>Tissue versus background on boundary tiles only (5–95 % tissue), where the call is not simply white vs not.</summary>
    public static ProbeTarget TissueOnBoundary { get; } = new("tissue_boundary", "tissue (>= 50%) vs background on boundary tiles (5-95% tissue); accuracy", true,
        (d, i) => IsBoundary(d, i), (d, i) => d.TissueFraction[i] >= 0.5 ? 1 : -1);

    /// <summary>Tissue fraction on boundary tiles: R².</summary>
    public static ProbeTarget TissueFraction { get; } = new("tissue_fraction_boundary", "tissue fraction on boundary tiles (5-95% tissue); R2", false,
        (d, i) => IsBoundary(d, i), (d, i) => d.TissueFraction[i]);

    /// <summary>DAB-positive area density, log(1 + 100 · share), on tiles with ≥ 50 % tissue.</summary>
    public static ProbeTarget DabArea { get; } = new("dab_area", "log(1 + 100 * share of DAB-positive pixels), tiles >= 50% tissue; R2", false,
        IsTissue, (d, i) => Math.Log(1 + 100 * d.DabFraction[i]));

    /// <summary>DAB-positive cell count (objects, ground truth), log(1 + n), on tiles with ≥ 50 % tissue.</summary>
    public static ProbeTarget DabCells { get; } = new("dab_cells", "log(1 + number of DAB-positive cells centred in the tile), tiles >= 50% tissue; R2", false,
        IsTissue, (d, i) => Math.Log(1 + d.MarkedCells[i]));

    /// <summary>Nuclear density: all nuclei centred in the tile, log(1 + n), on tiles with ≥ 50 % tissue.</summary>
    public static ProbeTarget Nuclei { get; } = new("nuclei", "log(1 + number of nuclei of any kind centred in the tile), tiles >= 50% tissue; R2", false,
        IsTissue, (d, i) => Math.Log(1 + d.Nuclei[i]));

    /// <summary>Mean tumour nuclear area (µm², grows with grade) on tiles with at least 3 tumour nuclei.</summary>
    public static ProbeTarget TumourNucleusSize { get; } = new("tumour_nucleus_size", "mean tumour nuclear area (um2), tiles with >= 3 tumour nuclei; R2", false,
        (d, i) => d.TumourNuclei[i] >= 3, (d, i) => d.TumourNucleusArea[i]);

    /// <summary>Share of the tile on tumour epithelium (nests vs stroma), on tiles with ≥ 50 % tissue.</summary>
    public static ProbeTarget Epithelium { get; } = new("epithelium_fraction", "share of the tile on tumour epithelium, tiles >= 50% tissue; R2", false,
        IsTissue, (d, i) => d.EpitheliumFraction[i]);

    /// <summary>Every target, the two named ones (tissue, DAB density) first.</summary>
    public static IReadOnlyList<ProbeTarget> All { get; } = [Tissue, DabArea, DabCells, Nuclei, TumourNucleusSize, Epithelium, TissueOnBoundary, TissueFraction];

    private static bool IsTissue(ProbeTiles d, int i) => d.TissueFraction[i] >= 0.5;

    private static bool IsBoundary(ProbeTiles d, int i) => d.TissueFraction[i] >= 0.05 && d.TissueFraction[i] < 0.95;
}

/// <summary>Held-out scores of one probe target over slide folds.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Score">Per fold: accuracy (classification) or R² (regression) on the fold's held-out slides.</param>
/// <param name="Spearman">Per fold: Spearman ρ of prediction and target (regressions; empty for classifications).</param>
/// <param name="TestTiles">Per fold: the held-out tiles scored.</param>
public sealed record ProbeFoldScores(string Target, double[] Score, double[] Spearman, int[] TestTiles)
{
    /// <summary>Mean of <see cref="Score"/> over folds.</summary>
    public double Mean => Score.Average();

    /// <summary>Sample standard deviation of <see cref="Score"/> over folds.</summary>
    public double Sd => MathNet.Numerics.Statistics.Statistics.StandardDeviation(Score);
}

/// <summary>
/// Linear probes on frozen features: each tile's patch tokens are mean-pooled (as the survival model pools them),
/// standardised on the training tiles, and a ridge regression (closed form, ridge chosen by 5-fold cross-validation on
/// the training tiles) predicts the property. Tiles are split by slide, so a probe never scores a slide it was fitted on.
/// </summary>
public static class LinearProbe
{
    /// <summary>Mean-pooled final patch tokens of <paramref name="tiles"/>: (N, d) as doubles, in batches.</summary>
    public static double[][] PooledFeatures(ViTEncoder encoder, IReadOnlyList<RgbImage> tiles, int batch = 64)
    {
        encoder.eval();
        int t = encoder.Config.ImageSize;
        var result = new double[tiles.Count][];
        using var _ = no_grad();
        for (int start = 0; start < tiles.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batch, tiles.Count - start);
            var bytes = new byte[n * t * t * 3];
            for (int i = 0; i < n; i++)
            {
                var tile = tiles[start + i];
                if (tile.Width != t || tile.Height != t)
                    throw new ArgumentException($"Tile {start + i} is {tile.Width}x{tile.Height}; the encoder reads {t}x{t}.");
                tile.Pixels.CopyTo(bytes, i * t * t * 3);
            }
            var x = tensor(bytes, [n, t, t, 3]).permute(0, 3, 1, 2); // (N, 3, T, T) uint8
            var pooled = encoder.forward(x).mean([1]).to(ScalarType.Float64); // (N, d)
            var values = pooled.data<double>().ToArray();
            int d = (int)pooled.shape[1];
            for (int i = 0; i < n; i++)
                result[start + i] = values.AsSpan(i * d, d).ToArray();
        }
        return result;
    }

    /// <summary>
    /// Scores <paramref name="target"/> by <paramref name="folds"/>-fold cross-validation over slides: fold k holds out
    /// the slides with index ≡ k (mod folds), fits the probe on the other slides' tiles and scores the held-out ones.
    /// </summary>
    public static ProbeFoldScores Evaluate(double[][] features, ProbeTiles data, ProbeTarget target, int folds = 5)
    {
        int slides = data.SlideIndex.Max() + 1;
        if (folds < 2 || folds > slides)
            throw new ArgumentException($"Need 2..{slides} folds (one slide at least per fold), got {folds}.");
        var used = Enumerable.Range(0, data.Count).Where(i => target.Includes(data, i)).ToList();
        double[] y = [.. Enumerable.Range(0, data.Count).Select(i => target.Includes(data, i) ? target.Value(data, i) : double.NaN)];
        var score = new double[folds];
        var spearman = target.IsClassification ? [] : new double[folds];
        var testTiles = new int[folds];
        for (int k = 0; k < folds; k++)
        {
            var train = used.Where(i => data.SlideIndex[i] % folds != k).ToList();
            var test = used.Where(i => data.SlideIndex[i] % folds == k).ToList();
            if (train.Count < 10 || test.Count < 5)
                throw new ArgumentException($"Probe target '{target.Name}', fold {k}: need at least 10 training and 5 test tiles, got {train.Count} and {test.Count}.");
            var prediction = FitPredict(features, y, train, test, data.SlideIndex);
            testTiles[k] = test.Count;
            if (target.IsClassification)
            {
                score[k] = test.Select((i, j) => Math.Sign(prediction[j]) == Math.Sign(y[i]) ? 1.0 : 0.0).Average();
                continue;
            }
            var truth = test.Select(i => y[i]).ToArray();
            double mean = truth.Average();
            score[k] = 1 - truth.Select((t, j) => (t - prediction[j]) * (t - prediction[j])).Sum() / truth.Sum(t => (t - mean) * (t - mean));
            spearman[k] = MathNet.Numerics.Statistics.Correlation.Spearman(prediction, truth);
        }
        return new ProbeFoldScores(target.Name, score, spearman, testTiles);
    }

    /// <summary>
    /// Simple colour statistics of each tile, the baseline that needs no encoder: mean and standard deviation of R, G, B
    /// and of the hematoxylin and DAB optical densities (colour deconvolution), 10 values.
    /// </summary>
    public static double[][] ColourStatistics(IReadOnlyList<RgbImage> tiles) =>
    [
        .. tiles.Select(tile =>
        {
            var stains = StainDeconvolution.Deconvolve(tile);
            var channels = new IEnumerable<double>[]
            {
                Enumerable.Range(0, tile.Width * tile.Height).Select(p => (double)tile.Pixels[3 * p]),
                Enumerable.Range(0, tile.Width * tile.Height).Select(p => (double)tile.Pixels[3 * p + 1]),
                Enumerable.Range(0, tile.Width * tile.Height).Select(p => (double)tile.Pixels[3 * p + 2]),
                stains.Hematoxylin.Select(v => (double)v),
                stains.Dab.Select(v => (double)v),
            };
            return channels.SelectMany(c =>
            {
                var (mean, sd) = MathNet.Numerics.Statistics.Statistics.MeanStandardDeviation(c);
                return new[] { mean, sd };
            }).ToArray();
        }),
    ];

    /// <summary>
    /// Ridge regression fitted on <paramref name="train"/> (ridge chosen by 5-fold CV on the training tiles), predictions
    /// for <paramref name="test"/>. With <paramref name="groups"/> (e.g. each tile's slide) the inner folds keep a group
    /// together, so the ridge is chosen for predicting unseen slides, as it is scored.
    /// </summary>
    public static double[] FitPredict(double[][] x, double[] y, IReadOnlyList<int> train, IReadOnlyList<int> test, int[]? groups = null)
    {
        // Inner fold of each training tile: by position, or by the rank of its group among the training groups.
        int[] innerFold;
        if (groups is null)
            innerFold = [.. Enumerable.Range(0, train.Count).Select(k => k % 5)];
        else
        {
            var rank = train.Select(i => groups[i]).Distinct().Order().Select((g, r) => (g, r)).ToDictionary(p => p.g, p => p.r);
            innerFold = [.. train.Select(i => rank[groups[i]] % 5)];
        }
        double[] grid = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];
        double best = grid[0], bestError = double.PositiveInfinity;
        foreach (var lambda in grid)
        {
            double error = 0;
            for (int fold = 0; fold < 5; fold++)
            {
                var fit = train.Where((_, k) => innerFold[k] != fold).ToList();
                var held = train.Where((_, k) => innerFold[k] == fold).ToList();
                if (held.Count == 0 || fit.Count == 0) continue;
                var p = Ridge(x, y, fit, held, lambda);
                error += held.Select((i, k) => (y[i] - p[k]) * (y[i] - p[k])).Sum();
            }
            if (error < bestError) (best, bestError) = (lambda, error);
        }
        return Ridge(x, y, train, test, best);
    }

    private static double[] Ridge(double[][] x, double[] y, IReadOnlyList<int> fit, IReadOnlyList<int> predict, double lambda)
    {
        int d = x[0].Length;
        // Standardise with the fitting tiles' statistics; the intercept is the mean target (not penalised).
        var raw = Matrix<double>.Build.Dense(fit.Count, d, (r, c) => x[fit[r]][c]);
        var mean = raw.ColumnSums() / fit.Count;
        var std = Vector<double>.Build.Dense(d, c => Math.Sqrt(raw.Column(c).Subtract(mean[c]).PointwisePower(2).Sum() / fit.Count) + 1e-12);
        var a = Matrix<double>.Build.Dense(fit.Count, d, (r, c) => (raw[r, c] - mean[c]) / std[c]);
        double yMean = fit.Average(i => y[i]);
        var b = Vector<double>.Build.Dense(fit.Count, r => y[fit[r]] - yMean);
        var gram = a.TransposeThisAndMultiply(a) + lambda * Matrix<double>.Build.DenseIdentity(d);
        var w = gram.Cholesky().Solve(a.TransposeThisAndMultiply(b));
        var p = Matrix<double>.Build.Dense(predict.Count, d, (r, c) => (x[predict[r]][c] - mean[c]) / std[c]);
        return [.. (p * w).Add(yMean)];
    }
}
