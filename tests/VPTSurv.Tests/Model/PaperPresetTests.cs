using VPTSurv.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

public class PaperPresetTests(ITestOutputHelper output)
{
    [Fact]
    public void PaperModelParameterCountsMatchAHandCountAndAdaptorsAreASmallFraction()
    {
        using var scope = NewDisposeScope();
        var model = Preset.Paper.BuildModel();
        var report = model.CountParameters();
        output.WriteLine(report.ToString());

        // Hand count of SAM ViT-B at a 14x14 grid (neck unused): patch embed 768·3·16·16 + 768, position 14·14·768,
        // per block 2 norms (4·768), qkv (768·2304 + 2304), proj (768·768 + 768), relative tables 2·27·64,
        // MLP (768·3072 + 3072 + 3072·768 + 768).
        long block = 4 * 768 + (768 * 2304 + 2304) + (768 * 768 + 768) + 2 * 27 * 64 + (768 * 3072 + 3072 + 3072 * 768 + 768);
        long encoder = 768 * 3 * 16 * 16 + 768 + 14 * 14 * 768 + 12 * block;
        Assert.Equal(encoder, report["encoder"].Frozen);
        Assert.Equal(0, report["encoder"].Trainable);

        // Sources: Down 768·24 + 24, two patch convs 3·24·16·16 + 24; adaptors 12 · (q 24·24 + 24, kv 24·48 + 48, out 24·24 + 24, MLP 24·24 + 24); Up 24·768 + 768.
        Assert.Equal(3 * (768 * 24 + 24), report["prompt sources"].Trainable);
        Assert.Equal(12 * ((24 * 24 + 24) + (24 * 48 + 48) + (24 * 24 + 24) + 24 * 24 + 24), report["adaptors"].Trainable);
        Assert.Equal(24 * 768 + 768, report["up"].Trainable);

        // The frozen ViT's state keys are exactly SAM ViT-B's released image-encoder keys (without the neck).
        var expectedKeys = new List<string> { "patch_embed.proj.weight", "patch_embed.proj.bias", "pos_embed" };
        for (int i = 0; i < 12; i++)
            foreach (var k in new[] { "norm1.weight", "norm1.bias", "attn.rel_pos_h", "attn.rel_pos_w", "attn.qkv.weight", "attn.qkv.bias",
                         "attn.proj.weight", "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.lin1.weight", "mlp.lin1.bias", "mlp.lin2.weight", "mlp.lin2.bias" })
                expectedKeys.Add($"blocks.{i}.{k}");
        var backbone = model.Backbone.state_dict();
        Assert.Equal(expectedKeys.Order(), backbone.Keys.Order());
        Assert.Equal(new long[] { 1, 14, 14, 768 }, backbone["pos_embed"].shape);
        Assert.Equal(new long[] { 27, 64 }, backbone["blocks.2.attn.rel_pos_h"].shape); // global at 224 px: 2 * 14 - 1

        long adaptation = report["prompt sources"].Trainable + report["adaptors"].Trainable + report["up"].Trainable;
        Assert.True(adaptation < 0.01 * encoder, $"adaptation parameters {adaptation} vs encoder {encoder}");
    }
}
