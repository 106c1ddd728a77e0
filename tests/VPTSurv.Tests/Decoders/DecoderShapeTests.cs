using TorchSharp;
using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

/// <summary>Every baseline maps a bag of N = 1, 7 or 1000 tiles to K finite logits, one slide or several.</summary>
public class DecoderShapeTests
{
    public static TheoryData<string, long> Cases()
    {
        var data = new TheoryData<string, long>();
        foreach (var name in DecoderZoo.Names)
            foreach (var n in new long[] { 1, 7, 1000 })
                data.Add(name, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bag_of_N_tiles_gives_K_finite_logits(string name, long n)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var model = DecoderZoo.Smoke(name);
        model.eval();
        var bag = DecoderTestData.RandomBag(n, model.InputDim);
        var logits = model.forward(bag);
        Assert.Equal(new long[] { model.Bins }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>(), $"{name} gave non-finite logits at N = {n}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Several_slides_of_one_patient_give_K_logits(string name)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        var model = DecoderZoo.Smoke(name);
        model.eval();
        var slides = torch.cat([torch.zeros(40, dtype: ScalarType.Int64), torch.ones(25, dtype: ScalarType.Int64), torch.full(3, 2L)]);
        var bag = DecoderTestData.RandomBag(68, model.InputDim, seed: 3, slideIndex: slides);
        var logits = model.forward(bag);
        Assert.Equal(new long[] { model.Bins }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    public static TheoryData<string> Names() => new(DecoderZoo.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Wrong_feature_width_is_rejected_with_the_expected_width(string name)
    {
        using var scope = NewDisposeScope();
        var model = DecoderZoo.Smoke(name);
        var bag = DecoderTestData.RandomBag(5, model.InputDim + 1);
        var ex = Assert.Throws<ArgumentException>(() => model.forward(bag));
        Assert.Contains($"expected {model.InputDim}", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_leaks_no_tensors(string name)
    {
        var model = DecoderZoo.Smoke(name);
        model.eval();
        using var outer = NewDisposeScope();
        var bag = DecoderTestData.RandomBag(30, model.InputDim);
        model.forward(bag).Dispose();
        long before = outer.DisposablesCount;
        for (int i = 0; i < 5; i++) model.forward(bag).Dispose();
        Assert.Equal(before, outer.DisposablesCount);
    }
}
