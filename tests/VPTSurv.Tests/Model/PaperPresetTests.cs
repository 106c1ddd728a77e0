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

        // Sources: Down 768·24 + 24, two patch convs 3·24·16·16 + 24; adaptors 12 · (4 · (24·24 + 24) + 24·24 + 24); Up 24·768 + 768.
        Assert.Equal(3 * (768 * 24 + 24), report["prompt sources"].Trainable);
        Assert.Equal(12 * (4 * (24 * 24 + 24) + 24 * 24 + 24), report["adaptors"].Trainable);
        Assert.Equal(24 * 768 + 768, report["up"].Trainable);

        long adaptation = report["prompt sources"].Trainable + report["adaptors"].Trainable + report["up"].Trainable;
        Assert.True(adaptation < 0.01 * encoder, $"adaptation parameters {adaptation} vs encoder {encoder}");
    }
}
