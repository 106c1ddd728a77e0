using VPTSurv.Survival;
using Xunit;
using static TorchSharp.torch;
using static VPTSurv.Tests.Survival.ToolkitReference;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Cox regression with an L1 (lasso) or elastic-net penalty against Fixtures/survival/cox (make_cox_extras.R): glmnet
/// for Breslow ties, and for Efron ties (which glmnet lacks) R's hand-coded proximal Newton solution whose KKT
/// residual is at rounding level (that solver agrees with glmnet on the Breslow cases and with coxph's ridge). Two
/// penalties per dataset and ties method: the lasso and α = 0.5, each at 0.3 of the λ that zeros every coefficient.
/// </summary>
public class CoxPenaltyTests
{
    public static TheoryData<string, string, int> PenaltyCases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var row in CoxExtrasReference.Cases())
            for (int k = 0; k < 2; k++) data.Add((string)row[0], (string)row[1], k);
        return data;
    }

    private static CoxTies TiesOf(string ties) => ties == "efron" ? CoxTies.Efron : CoxTies.Breslow;

    [Theory]
    [MemberData(nameof(PenaltyCases))]
    public void Lasso_and_elastic_net_coefficients_equal_glmnet_or_the_KKT_checked_R_solution(string name, string ties, int k)
    {
        var r = CoxExtrasReference.Block(name, ties)["penalty"]![k]!;
        var d = Columns(name);
        var fit = new CoxRegression(TiesOf(ties), Ridge: RReference.Number(r["ridge"]), Lasso: RReference.Number(r["lasso"]))
            .Fit(d.X, d.Y.Time, d.Y.EventObserved);
        Assert.True(fit.Converged);
        var expected = RReference.Numbers(r["coef"]);
        RReference.Close(expected, fit.Coefficients, $"coef ({r["source"]})", 1e-7);
        for (int j = 0; j < expected.Length; j++)
            Assert.True((expected[j] == 0) == (fit.Coefficients[j] == 0), $"coef[{j}]: R {expected[j]}, ours {fit.Coefficients[j]} (zero pattern)");
        RReference.Close(RReference.Number(r["loglik"]), fit.LogLikelihood, "unpenalized log-likelihood", 1e-9);
        // Where glmnet stopped short of the KKT conditions (lung) its coefficients still lie within 1e-5.
        if (r["glmnet_coef"] is { } g)
        {
            var glmnet = RReference.Numbers(g);
            for (int j = 0; j < glmnet.Length; j++)
                Assert.True(Math.Abs(glmnet[j] - fit.Coefficients[j]) < 1e-5, $"coef[{j}] vs glmnet {glmnet[j]}: {fit.Coefficients[j]}");
        }
        Assert.All(fit.StdErrors, se => Assert.True(double.IsNaN(se)));
    }

    /// <summary>
    /// The optimality (KKT) conditions of the penalized fit, with the score from an independent code path (the
    /// autograd gradient of the training loss <see cref="SurvivalLoss.CoxPartialLikelihood"/> in float64): for a
    /// non-zero β_j, U_j - ridge β_j = λ1 sign(β_j); for β_j = 0, |U_j| ≤ λ1.
    /// </summary>
    [Theory]
    [MemberData(nameof(PenaltyCases))]
    public void The_penalized_fit_satisfies_its_KKT_conditions(string name, string ties, int k)
    {
        var r = CoxExtrasReference.Block(name, ties)["penalty"]![k]!;
        double ridge = RReference.Number(r["ridge"]), lasso = RReference.Number(r["lasso"]);
        var d = Columns(name);
        var fit = new CoxRegression(TiesOf(ties), Ridge: ridge, Lasso: lasso).Fit(d.X, d.Y.Time, d.Y.EventObserved);
        int n = d.X.Length, p = fit.Coefficients.Length;
        using var scope = NewDisposeScope();
        var x = tensor(d.X.SelectMany(row => row).ToArray(), [n, p], ScalarType.Float64);
        var beta = tensor(fit.Coefficients, ScalarType.Float64).requires_grad_(true);
        int events = d.Y.EventObserved.Count(e => e);
        var loglik = -SurvivalLoss.CoxPartialLikelihood(x.matmul(beta), tensor(d.Y.Time.ToArray(), ScalarType.Float64),
            tensor(d.Y.EventObserved.Select(e => e ? 1.0 : 0.0).ToArray(), ScalarType.Float64), TiesOf(ties)) * events;
        loglik.backward();
        var score = beta.grad!.data<double>().ToArray();
        double scale = Math.Max(1, lasso);
        for (int j = 0; j < p; j++)
        {
            double g = score[j] - ridge * fit.Coefficients[j];
            if (fit.Coefficients[j] != 0)
                Assert.True(Math.Abs(g - lasso * Math.Sign(fit.Coefficients[j])) <= 1e-7 * scale, $"β[{j}] = {fit.Coefficients[j]}: gradient {g}, λ1 {lasso}");
            else
                Assert.True(Math.Abs(g) <= lasso + 1e-7 * scale, $"β[{j}] = 0: |gradient| {Math.Abs(g)} > λ1 {lasso}");
        }
    }

    [Fact]
    public void ElasticNet_maps_glmnets_lambda_and_alpha_onto_the_summed_penalties()
    {
        var m = CoxRegression.ElasticNet(0.2, 0.25, 40, CoxTies.Breslow);
        Assert.Equal(40 * 0.2 * 0.25, m.Lasso, 12);
        Assert.Equal(40 * 0.2 * 0.75, m.Ridge, 12);
        Assert.Equal(CoxTies.Breslow, m.Ties);
    }

    [Fact]
    public void A_lambda_above_the_largest_score_gives_all_zero_coefficients()
    {
        var d = Columns("lung");
        var fit = new CoxRegression(Lasso: 1e6).Fit(d.X, d.Y.Time, d.Y.EventObserved);
        Assert.All(fit.Coefficients, b => Assert.Equal(0.0, b));
        Assert.Equal(fit.LogLikelihoodNull, fit.LogLikelihood, 12);
    }

    [Fact]
    public void Bad_penalties_are_typed_errors_naming_the_argument()
    {
        var d = Columns("lung");
        Assert.Equal("Lasso", Assert.Throws<ArgumentOutOfRangeException>(() => new CoxRegression(Lasso: -1).Fit(d.X, d.Y.Time, d.Y.EventObserved)).ParamName);
        Assert.Equal("Lasso", Assert.Throws<ArgumentOutOfRangeException>(() => new CoxRegression(Lasso: double.NaN).Fit(d.X, d.Y.Time, d.Y.EventObserved)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.ElasticNet(0.1, 1.5, 10)).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.ElasticNet(-0.1, 0.5, 10)).ParamName);
        Assert.Equal("subjects", Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.ElasticNet(0.1, 0.5, 0)).ParamName);
    }
}
