using TorchSharp;
using VPTSurv.Survival;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Survival;

public class SurvivalLossTests
{
    private static readonly double[,] Logits = { { -1.2, 0.3, 2.0 }, { 0.5, -0.7, 0.1 }, { 3.0, -2.0, 0.0 }, { -0.4, 1.5, -1.1 } };
    private static readonly long[] Bins = [1, 2, 0, 2];
    private static readonly double[] Events = [1, 0, 0, 1];

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The MCAT/Zadeh-Schmid NLL written out term by term on doubles.</summary>
    private static double WrittenNll(double[,] logits, long[] bin, double[] ev, double alpha)
    {
        int b = logits.GetLength(0);
        double total = 0;
        for (int i = 0; i < b; i++)
        {
            int y = (int)bin[i];
            double sBefore = 1;                                      // S_{y-1} = prod_{j<y} (1 - h_j)
            for (int j = 0; j < y; j++) sBefore *= 1 - Sigmoid(logits[i, j]);
            double hY = Sigmoid(logits[i, y]);                       // h_y
            double sAt = sBefore * (1 - hY);                         // S_y
            double uncensored = -ev[i] * (Math.Log(sBefore) + Math.Log(hY));
            double censored = -(1 - ev[i]) * Math.Log(sAt);
            total += (1 - alpha) * (censored + uncensored) + alpha * uncensored;
        }
        return total / b;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.4)]
    [InlineData(1.0)]
    public void Nll_equals_the_written_formula(double alpha)
    {
        using var logits = tensor(Logits, dtype: float64);
        using var loss = SurvivalLoss.DiscreteTimeNll(logits, tensor(Bins), tensor(Events), alpha);
        Assert.Equal(WrittenNll(Logits, Bins, Events, alpha), loss.item<double>(), 1e-12);
    }

    [Fact]
    public void Nll_is_finite_for_extreme_logits_where_probabilities_underflow()
    {
        // h = sigmoid(-60) ~ 1e-26 and S after sigmoid(60): a naive log(prod) would give -inf or NaN.
        using var logits = tensor(new float[,] { { -60f, 60f }, { 60f, -60f } });
        using var loss = SurvivalLoss.DiscreteTimeNll(logits, tensor(new long[] { 0, 1 }), tensor(new float[] { 1, 0 }));
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.Equal(60.0, loss.item<float>(), 1e-3); // (60 + 60) / 2: each term is -log sigmoid(-60) ~ 60
    }

    [Fact]
    public void Nll_gradient_matches_central_finite_differences()
    {
        var grad = AutogradGrad(l => SurvivalLoss.DiscreteTimeNll(l, tensor(Bins), tensor(Events), 0.3), Logits);
        var fd = FiniteDifference(l => WrittenNll(l, Bins, Events, 0.3), Logits);
        AssertClose(fd, grad, 1e-7);
    }

    [Fact]
    public void Nll_rejects_bad_inputs_naming_the_index()
    {
        using var logits = tensor(Logits);
        var ex = Assert.Throws<ArgumentException>(() => SurvivalLoss.DiscreteTimeNll(logits, tensor(new long[] { 0, 1, 3, 0 }), tensor(Events)));
        Assert.Contains("bin[2] = 3", ex.Message);
        Assert.Throws<ArgumentException>(() => SurvivalLoss.DiscreteTimeNll(logits, tensor(new long[] { 0, 1, 2 }), tensor(Events)));
        Assert.Throws<ArgumentException>(() => SurvivalLoss.DiscreteTimeNll(logits, tensor(new int[] { 0, 1, 2, 0 }), tensor(Events)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SurvivalLoss.DiscreteTimeNll(logits, tensor(Bins), tensor(Events), 1.5));
    }

    // Times with ties among deaths (2, 2, 2) and a death tied with a censoring (5).
    private static readonly double[] CoxTime = [2, 3, 2, 5, 5, 1, 2, 7];
    private static readonly double[] CoxEvent = [1, 0, 1, 1, 0, 0, 1, 1];
    private static readonly double[] CoxRisk = [0.2, -0.5, 1.1, 0.0, 0.7, -1.0, 0.4, 0.3];

    /// <summary>-log partial likelihood / number of deaths, written out with explicit risk sets.</summary>
    private static double WrittenCox(double[] r, double[] t, double[] e, CoxTies ties)
    {
        double loglik = 0;
        int deaths = 0;
        foreach (var time in t.Where((_, i) => e[i] == 1).Distinct())
        {
            var dead = Enumerable.Range(0, t.Length).Where(i => t[i] == time && e[i] == 1).ToArray();
            double riskSet = Enumerable.Range(0, t.Length).Where(j => t[j] >= time).Sum(j => Math.Exp(r[j]));
            double tiedSum = dead.Sum(j => Math.Exp(r[j]));
            for (int l = 0; l < dead.Length; l++)
            {
                double denominator = ties == CoxTies.Breslow ? riskSet : riskSet - (double)l / dead.Length * tiedSum;
                loglik += r[dead[l]] - Math.Log(denominator);
                deaths++;
            }
        }
        return -loglik / deaths;
    }

    [Theory]
    [InlineData(CoxTies.Breslow)]
    [InlineData(CoxTies.Efron)]
    public void Cox_loss_equals_the_written_partial_likelihood(CoxTies ties)
    {
        using var loss = SurvivalLoss.CoxPartialLikelihood(tensor(CoxRisk), tensor(CoxTime), tensor(CoxEvent), ties);
        Assert.Equal(WrittenCox(CoxRisk, CoxTime, CoxEvent, ties), loss.item<double>(), 1e-12);
    }

    [Theory]
    [InlineData(CoxTies.Breslow)]
    [InlineData(CoxTies.Efron)]
    public void Cox_gradient_matches_central_finite_differences(CoxTies ties)
    {
        var r2 = new double[1, CoxRisk.Length];
        for (int i = 0; i < CoxRisk.Length; i++) r2[0, i] = CoxRisk[i];
        var grad = AutogradGrad(r => SurvivalLoss.CoxPartialLikelihood(r.squeeze(0), tensor(CoxTime), tensor(CoxEvent), ties), r2);
        var fd = FiniteDifference(r => WrittenCox(Enumerable.Range(0, CoxRisk.Length).Select(i => r[0, i]).ToArray(), CoxTime, CoxEvent, ties), r2);
        AssertClose(fd, grad, 1e-7);
    }

    [Fact]
    public void Cox_loss_is_stable_for_large_risks()
    {
        var big = CoxRisk.Select(r => r * 1000).ToArray();
        using var loss = SurvivalLoss.CoxPartialLikelihood(tensor(big), tensor(CoxTime), tensor(CoxEvent));
        Assert.True(double.IsFinite(loss.item<double>()));
    }

    [Fact]
    public void Cox_batch_without_events_is_a_typed_error()
    {
        var ex = Assert.Throws<NoEventsException>(() =>
            SurvivalLoss.CoxPartialLikelihood(tensor(new[] { 0.1, 0.2 }), tensor(new[] { 1.0, 2.0 }), tensor(new[] { 0.0, 0.0 })));
        Assert.Contains("no observed event", ex.Message);
        var bad = Assert.Throws<ArgumentException>(() =>
            SurvivalLoss.CoxPartialLikelihood(tensor(new[] { 0.1, 0.2 }), tensor(new[] { 1.0, 2.0 }), tensor(new[] { 1.0, 0.5 })));
        Assert.Contains("eventObserved[1] = 0.5", bad.Message);
    }

    [Fact]
    public void Losses_leave_no_tensor_behind()
    {
        using var logits = tensor(Logits, requires_grad: true);
        using var bins = tensor(Bins);
        using var ev = tensor(Events);
        using var risk = tensor(CoxRisk, requires_grad: true);
        using var time = tensor(CoxTime);
        using var cev = tensor(CoxEvent);
        void Step()
        {
            using var scope = NewDisposeScope();
            SurvivalLoss.DiscreteTimeNll(logits, bins, ev).backward();
            SurvivalLoss.CoxPartialLikelihood(risk, time, cev).backward();
            logits.grad?.zero_();
            risk.grad?.zero_();
        }
        Step();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static double[,] AutogradGrad(Func<Tensor, Tensor> loss, double[,] x)
    {
        using var xt = tensor(x, dtype: float64, requires_grad: true);
        using (var l = loss(xt)) l.backward();
        using var g = xt.grad!.cpu();
        var flat = g.data<double>().ToArray();
        var result = new double[x.GetLength(0), x.GetLength(1)];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }

    private static double[,] FiniteDifference(Func<double[,], double> f, double[,] x, double h = 1e-6)
    {
        var g = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
            {
                var plus = (double[,])x.Clone();
                var minus = (double[,])x.Clone();
                plus[i, j] += h;
                minus[i, j] -= h;
                g[i, j] = (f(plus) - f(minus)) / (2 * h);
            }
        return g;
    }

    private static void AssertClose(double[,] expected, double[,] actual, double tol)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tol, $"[{i},{j}]: finite difference {expected[i, j]} vs autograd {actual[i, j]}");
    }
}
