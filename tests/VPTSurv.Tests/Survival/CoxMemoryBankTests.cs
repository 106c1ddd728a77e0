using VPTSurv.Survival;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Survival;

/// <summary>What the memory-bank Cox loss must do with one subject per step, the way the trainers call it.</summary>
public sealed class CoxMemoryBankTests
{
    private static (double Loss, double Grad) Step(CoxMemoryBank bank, double risk, double time, bool died)
    {
        using var r = tensor(new[] { risk }, ScalarType.Float64).requires_grad_(true);
        using var loss = bank.Loss(r, tensor(new[] { time }, ScalarType.Float64), tensor(new[] { died ? 1.0 : 0.0 }, ScalarType.Float64));
        loss.backward();
        return (loss.item<double>(), r.grad!.item<double>());
    }

    [Fact]
    public void A_censored_subject_that_outlived_a_bank_event_is_pushed_down()
    {
        // The bank holds a death at t = 2 (risk 0). A censored subject seen at t = 5 was in that death's risk set, so
        // raising its risk raises the loss: d loss / d r = exp(r) / (exp(0) + exp(r)) = 1/2 at r = 0. Were only the
        // current subject's events counted, a censored subject would get no gradient at all.
        var bank = new CoxMemoryBank(Capacity: 8, Ties: CoxTies.Breslow);
        Step(bank, risk: 0, time: 2, died: true);
        var (loss, grad) = Step(bank, risk: 0, time: 5, died: false);
        Assert.Equal(Math.Log(2), loss, 12);
        Assert.Equal(0.5, grad, 12);
    }

    [Fact]
    public void A_subject_that_died_before_everyone_in_the_bank_is_pushed_up()
    {
        // Bank: two censored subjects at t = 3 and 4 (risk 0). A death at t = 1 has all three in its risk set:
        // loss = -(r - log(e^r + 2)), d/dr = -(1 - e^r / (e^r + 2)) = -2/3 at r = 0.
        var bank = new CoxMemoryBank(Capacity: 8, Ties: CoxTies.Breslow);
        Step(bank, 0, 3, false);
        Step(bank, 0, 4, false);
        var (loss, grad) = Step(bank, risk: 0, time: 1, died: true);
        Assert.Equal(Math.Log(3), loss, 12);
        Assert.Equal(-2.0 / 3, grad, 12);
    }

    [Fact]
    public void Without_any_event_in_batch_or_bank_the_loss_is_zero_and_still_attached()
    {
        var bank = new CoxMemoryBank(Capacity: 4);
        var (first, g1) = Step(bank, 0.3, 2, false);
        var (second, g2) = Step(bank, -0.1, 1, false);
        Assert.Equal(0, first);
        Assert.Equal(0, second);
        Assert.Equal(0, g1);
        Assert.Equal(0, g2);
    }
}
