using TorchSharp;
using VPTSurv.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Runtime;

/// <summary>
/// The dropout the decoders use draws its masks from an explicit generator: the same bits libtorch's own dropout draws
/// from the global generator in the same state (so results trained before it came stay the same), and nothing is drawn
/// from the global generator.
/// </summary>
[Collection(nameof(Model.GlobalTorchRng))]
public class StreamDropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void Masks_from_a_generator_are_the_bits_nn_Dropout_draws_from_the_global_generator_in_that_state(double p)
    {
        using var scope = NewDisposeScope();
        var x = arange(0, 4000, dtype: ScalarType.Float32).view(40, 100) / 100 + 1; // no zeros, so a dropped element shows
        random.manual_seed(1234);
        var reference = nn.functional.dropout(x, p, training: true);
        using var generator = new Generator(1234, CPU);
        var ours = StreamDropout.Apply(x, p, training: true, generator);
        Assert.True(ours.equal(reference).all().item<bool>());
        double dropped = (ours == 0).to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(dropped, p - 0.05, p + 0.05);
    }

    [Fact]
    public void With_a_generator_nothing_is_drawn_from_the_global_generator()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(99);
        using var before = random.get_rng_state();
        using var generator = new Generator(5, CPU);
        var module = new StreamDropout(0.3) { Generator = generator };
        module.train();
        module.forward(ones(64, 64));
        using var after = random.get_rng_state();
        Assert.True(after.equal(before).all().item<bool>());
    }

    [Fact]
    public void In_eval_mode_it_is_the_identity()
    {
        using var scope = NewDisposeScope();
        var module = new StreamDropout(0.5);
        module.eval();
        var x = randn(8, 8);
        Assert.True(module.forward(x).equal(x).all().item<bool>());
    }

    [Fact]
    public void A_probability_outside_0_to_1_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamDropout(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamDropout(double.NaN));
    }
}
