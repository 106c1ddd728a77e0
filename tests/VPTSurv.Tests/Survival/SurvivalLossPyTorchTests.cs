using System.Text.Json.Nodes;
using VPTSurv.Survival;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Weibull NLL, Cox partial likelihood and the memory-bank Cox loss against PyTorch (Fixtures/survival/losses,
/// written by make_losses.py from the formulas with explicit loops, float64): loss and gradient to 1e-10.
/// </summary>
public class SurvivalLossPyTorchTests
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(TestSetup.Fixture("survival", "losses", "losses.json")))!);

    private static double[] Vec(JsonNode? n) => ((JsonArray)n!).Select(v => v!.GetValue<double>()).ToArray();

    private static void Near(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: {expected[i]:R} vs {actual[i]:R}");
    }

    [Fact]
    public void Weibull_nll_and_gradient_equal_pytorch()
    {
        var w = Root.Value["weibull"]!;
        var rows = ((JsonArray)w["log_params"]!).Select(Vec).ToArray();
        var p = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, 2], ScalarType.Float64).requires_grad_(true);
        var loss = SurvivalLoss.WeibullNll(p, tensor(Vec(w["time"]), ScalarType.Float64), tensor(Vec(w["event"]), ScalarType.Float64));
        loss.backward();
        Near([w["loss"]!.GetValue<double>()], [loss.item<double>()], "loss");
        Near(((JsonArray)w["grad"]!).SelectMany(Vec).ToArray(), p.grad!.data<double>().ToArray(), "grad");
    }

    [Theory]
    [InlineData("breslow")]
    [InlineData("efron")]
    public void Cox_partial_likelihood_and_gradient_equal_pytorch(string ties)
    {
        var c = Root.Value["cox"]!;
        var r = tensor(Vec(c["risk"]), ScalarType.Float64).requires_grad_(true);
        var loss = SurvivalLoss.CoxPartialLikelihood(r, tensor(Vec(c["time"]), ScalarType.Float64), tensor(Vec(c["event"]), ScalarType.Float64),
            ties == "efron" ? CoxTies.Efron : CoxTies.Breslow);
        loss.backward();
        Near([c[ties]!["loss"]!.GetValue<double>()], [loss.item<double>()], "loss");
        Near(Vec(c[ties]!["grad"]), r.grad!.data<double>().ToArray(), "grad");
    }

    [Fact]
    public void Memory_bank_cox_loss_over_four_small_batches_equals_pytorch()
    {
        var m = Root.Value["memory_bank"]!;
        var bank = new CoxMemoryBank(m["capacity"]!.GetValue<int>());
        foreach (var step in (JsonArray)m["steps"]!)
        {
            var r = tensor(Vec(step!["risk"]), ScalarType.Float64).requires_grad_(true);
            var loss = bank.Loss(r, tensor(Vec(step["time"]), ScalarType.Float64), tensor(Vec(step["event"]), ScalarType.Float64));
            loss.backward();
            Near([step["loss"]!.GetValue<double>()], [loss.item<double>()], "loss");
            Near(Vec(step["grad"]), r.grad!.data<double>().ToArray(), "grad");
        }
        Assert.Equal(4, bank.Count);
    }

    [Fact]
    public void Risk_from_hazard_logits_is_minus_the_expected_bins_survived()
    {
        double[] l = [-1.0, 0.3, 2.0, -0.5];
        double acc = 1, sum = 0;
        foreach (var v in l) { acc *= 1 / (1 + Math.Exp(v)); sum += acc; }
        var risk = DiscreteTimeHead.Risk(tensor(l, [1, 4], ScalarType.Float64));
        Assert.Equal(-sum, risk.item<double>(), 12);
    }
}
