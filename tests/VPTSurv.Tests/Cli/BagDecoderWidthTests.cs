using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Runs;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>The two-stage baselines read features as wide as the preset's encoder gives them (the Cpu encoder is 96 wide, not 192).</summary>
public class BagDecoderWidthTests
{
    [Theory]
    [InlineData("smoke")]
    [InlineData("cpu")]
    [InlineData("paper")]
    public void Every_baseline_takes_its_input_width_from_the_presets_encoder(string presetName)
    {
        var preset = Preset.ByName(presetName);
        foreach (var name in RunConfig.BagDecoders.Where(n => n != "vptsurv"))
        {
            using var decoder = BagDecoders.For(name, preset)!();
            Assert.Equal(preset.Encoder.Width, decoder.InputDim);
        }
    }
}
