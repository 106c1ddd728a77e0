using TorchSharp;
using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

public class AbmilTests
{
    [Fact]
    public void Attention_weights_are_positive_and_sum_to_one()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var model = new Abmil(AbmilConfig.Smoke(16));
        model.eval();
        var r = model.ForwardWithAttention(DecoderTestData.RandomBag(50, 16));
        Assert.Equal(new long[] { 50 }, r.Weights.shape);
        Assert.True((r.Weights > 0).all().item<bool>());
        Assert.Equal(1.0, r.Weights.sum().item<float>(), 5);
    }

    [Fact]
    public void Output_does_not_depend_on_tile_order()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var model = new Abmil(AbmilConfig.Smoke(16));
        model.eval();
        var bag = DecoderTestData.RandomBag(60, 16);
        var perm = torch.randperm(60, generator: new Generator(9));
        var shuffled = new Bag(bag.Features.index_select(0, perm), bag.Coordinates!.index_select(0, perm));
        Assert.True(torch.allclose(model.forward(bag), model.forward(shuffled), rtol: 1e-5, atol: 1e-6));
        // and a single changed tile does change it (the comparison is not vacuous)
        var changed = new Bag(bag.Features.clone().index_fill_(0, torch.tensor(new long[] { 3 }), 5.0));
        Assert.False(torch.allclose(model.forward(bag), model.forward(changed), rtol: 1e-5, atol: 1e-6));
    }
}
