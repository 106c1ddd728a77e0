using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

/// <summary>
/// timm-style position tables are resized exactly as timm's resample_abs_pos_embed (bicubic, antialiased whether the
/// grid grows or shrinks); reference from PyTorch 1.13 (Fixtures/encoders/make_pos_embed_fixtures.py).
/// </summary>
public sealed class PositionTableParityTests
{
    [Theory]
    [InlineData("resized_11x11", 11)] // larger than the checkpoint's 8x8: differed by about 1e-1 when only shrinking was antialiased
    [InlineData("resized_5x5", 5)]
    public void Timm_sequence_table_matches_timm_at_a_larger_and_a_smaller_grid(string key, long grid)
    {
        var fixture = SafeTensors.Read(ReferenceFixtures.Path("timm_pos_embed.safetensors"));
        try
        {
            using var resized = PositionTables.ResizeSequence(fixture["table_8x8"], prefix: 1, grid);
            Assert.Equal(fixture[key].shape, resized.shape);
            double maxDiff = (resized - fixture[key]).abs().max().item<float>();
            Assert.True(maxDiff < 1e-5, $"max |C# - timm| = {maxDiff}");
            // The class token is carried over untouched.
            Assert.True(resized[0, 0].allclose(fixture["table_8x8"][0, 0], rtol: 0, atol: 0));
        }
        finally
        {
            foreach (var t in fixture.Values) t.Dispose();
        }
    }
}
