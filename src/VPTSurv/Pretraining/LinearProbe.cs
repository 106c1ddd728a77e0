using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using VPTSurv.Encoders;
using VPTSurv.Slides;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>Held-out scores of linear probes on one encoder's frozen pooled features.</summary>
/// <param name="TissueAccuracy">Accuracy of tissue (≥ 50 % of the tile) versus background on held-out slides' tiles.</param>
/// <param name="DabR2">R² of log(1 + 100 · DAB-positive share) on held-out slides' tissue tiles.</param>
/// <param name="DabSpearman">Spearman correlation of the same prediction with the measured DAB-positive share.</param>
/// <param name="TrainTiles">Tiles the probes were fitted on.</param>
/// <param name="TestTiles">Held-out tiles scored.</param>
public sealed record ProbeScores(double TissueAccuracy, double DabR2, double DabSpearman, int TrainTiles, int TestTiles);

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
    /// Fits the probes on the tiles of slides with index below <paramref name="trainSlides"/> (at most
    /// <paramref name="maxTrainTiles"/> of them, taken evenly) and scores them on the remaining slides' tiles.
    /// </summary>
    public static ProbeScores Score(double[][] features, ProbeTiles data, int trainSlides, int? maxTrainTiles = null)
    {
        var train = Enumerable.Range(0, data.Count).Where(i => data.SlideIndex[i] < trainSlides).ToList();
        var test = Enumerable.Range(0, data.Count).Where(i => data.SlideIndex[i] >= trainSlides).ToList();
        if (maxTrainTiles is int cap && cap < train.Count)
            train = [.. Enumerable.Range(0, cap).Select(k => train[(int)((long)k * train.Count / cap)])];
        if (train.Count < 10 || test.Count < 10)
            throw new ArgumentException($"Need at least 10 training and 10 test tiles, got {train.Count} and {test.Count}.");

        // Tissue versus background: least-squares on ±1 labels, sign as the class.
        double[] tissueLabel = [.. data.TissueFraction.Select(f => f >= 0.5 ? 1.0 : -1.0)];
        var tissuePrediction = FitPredict(features, tissueLabel, train, test);
        double accuracy = test.Select((i, k) => Math.Sign(tissuePrediction[k]) == Math.Sign(tissueLabel[i]) ? 1.0 : 0.0).Average();

        // DAB-positive density among tissue tiles, on a log scale (the share spans two orders of magnitude).
        var tissueTrain = train.Where(i => data.TissueFraction[i] >= 0.5).ToList();
        var tissueTest = test.Where(i => data.TissueFraction[i] >= 0.5).ToList();
        double[] dabTarget = [.. data.DabFraction.Select(f => Math.Log(1 + 100 * f))];
        var dabPrediction = FitPredict(features, dabTarget, tissueTrain, tissueTest);
        var truth = tissueTest.Select(i => dabTarget[i]).ToArray();
        double mean = truth.Average();
        double r2 = 1 - truth.Select((y, k) => (y - dabPrediction[k]) * (y - dabPrediction[k])).Sum() / truth.Sum(y => (y - mean) * (y - mean));
        double spearman = MathNet.Numerics.Statistics.Correlation.Spearman(dabPrediction, tissueTest.Select(i => data.DabFraction[i]));
        return new ProbeScores(accuracy, r2, spearman, train.Count, test.Count);
    }

    /// <summary>Ridge regression fitted on <paramref name="train"/> (ridge by 5-fold CV), predictions for <paramref name="test"/>.</summary>
    public static double[] FitPredict(double[][] x, double[] y, IReadOnlyList<int> train, IReadOnlyList<int> test)
    {
        double[] grid = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];
        double best = grid[0], bestError = double.PositiveInfinity;
        foreach (var lambda in grid)
        {
            double error = 0;
            for (int fold = 0; fold < 5; fold++)
            {
                var fit = train.Where((_, k) => k % 5 != fold).ToList();
                var held = train.Where((_, k) => k % 5 == fold).ToList();
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
        var mean = new double[d];
        var std = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = fit.Average(i => x[i][j]);
            double m = mean[j];
            std[j] = Math.Sqrt(fit.Average(i => (x[i][j] - m) * (x[i][j] - m))) + 1e-12;
        }
        double yMean = fit.Average(i => y[i]);
        var a = Matrix<double>.Build.Dense(fit.Count, d, (r, c) => (x[fit[r]][c] - mean[c]) / std[c]);
        var b = Vector<double>.Build.Dense(fit.Count, r => y[fit[r]] - yMean);
        var gram = a.TransposeThisAndMultiply(a) + lambda * Matrix<double>.Build.DenseIdentity(d);
        var w = gram.Cholesky().Solve(a.TransposeThisAndMultiply(b));
        return [.. predict.Select(i => yMean + Enumerable.Range(0, d).Sum(c => (x[i][c] - mean[c]) / std[c] * w[c]))];
    }
}
