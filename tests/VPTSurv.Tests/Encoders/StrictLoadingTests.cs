using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

public class StrictLoadingTests
{
    [Fact]
    public void StrictLoadNamesEveryMissingUnexpectedAndMisShapedKeyInOneError()
    {
        using var scope = NewDisposeScope();
        var state = SafeTensors.Read(ReferenceFixtures.Path("sam_tiny.safetensors"));
        state.Remove("image_encoder.blocks.2.mlp.lin2.bias");
        state.Remove("image_encoder.neck.0.weight");
        state["image_encoder.blocks.0.attn.extra"] = zeros(3);
        state["image_encoder.blocks.1.norm1.weight"] = zeros(65);
        var encoder = ReferenceFixtures.Sam(64).Build();
        var ex = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(encoder, state, source: "sam_tiny (edited)"));
        Assert.Equal(["blocks.2.mlp.lin2.bias", "neck.0.weight"], ex.Missing);
        Assert.Equal(["blocks.0.attn.extra"], ex.Unexpected);
        Assert.Single(ex.MisShaped);
        foreach (var needle in new[] { "sam_tiny (edited)", "blocks.2.mlp.lin2.bias", "neck.0.weight", "blocks.0.attn.extra",
                     "blocks.1.norm1.weight: checkpoint [65] vs model [64]" })
            Assert.Contains(needle, ex.Message);
    }

    [Fact]
    public void NonStrictLoadReportsMissingAndUnexpectedButStillRejectsShapes()
    {
        using var scope = NewDisposeScope();
        var state = SafeTensors.Read(ReferenceFixtures.Path("sam_tiny.safetensors"));
        state.Remove("image_encoder.neck.0.weight");
        var report = CheckpointLoader.Load(ReferenceFixtures.Sam(64).Build(), state, strict: false);
        Assert.Equal(["neck.0.weight"], report.Missing);

        var bad = SafeTensors.Read(ReferenceFixtures.Path("sam_tiny.safetensors"));
        bad["image_encoder.blocks.1.norm1.weight"] = zeros(65);
        Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(ReferenceFixtures.Sam(64).Build(), bad, strict: false));
    }

    [Fact]
    public void LoadingCopiesWeightsIntoTheEncoder()
    {
        using var scope = NewDisposeScope();
        var encoder = ReferenceFixtures.Sam(64).Build();
        CheckpointLoader.Load(encoder, ReferenceFixtures.Path("sam_tiny.pth"));
        var expected = SafeTensors.Read(ReferenceFixtures.Path("sam_tiny.safetensors"))["image_encoder.blocks.0.attn.qkv.weight"];
        Assert.True(encoder.state_dict()["blocks.0.attn.qkv.weight"].allclose(expected, rtol: 0, atol: 0));
    }
}

public class NecklessLoadingTests
{
    [Fact]
    public void SamCheckpointLoadsIntoANecklessEncoderWithTheNeckSetAside()
    {
        // The Paper preset has no neck but loads SAM's released file, which has one.
        using var scope = NewDisposeScope();
        var encoder = (ReferenceFixtures.Sam(64) with { NeckChannels = 0 }).Build();
        var report = CheckpointLoader.Load(encoder, ReferenceFixtures.Path("sam_tiny.safetensors"));
        Assert.Contains("neck.0.weight", report.Dropped);
        Assert.Contains("neck.3.bias", report.Dropped);
        var io = ReferenceFixtures.Io();
        using var _ = no_grad();
        var tokens = encoder.forward(io["sam_64.input"]).view(2, 8, 8, 64);
        Assert.InRange(ReferenceFixtures.MaxError(tokens, io["sam_64.tokens"]), 0, 1e-4);
    }
}

public class KeyMapTests
{
    [Fact]
    public void HuggingFaceClassifierCheckpointIsUnwrapped()
    {
        using var scope = NewDisposeScope();
        var state = SafeTensors.Read(ReferenceFixtures.Path("hf_vit_tiny.safetensors"))
            .ToDictionary(kv => "vit." + kv.Key, kv => kv.Value);
        state["classifier.weight"] = zeros(2, 64);
        var report = CheckpointLoader.Load(ReferenceFixtures.HuggingFace(32).Build(), state);
        Assert.Equal(CheckpointLayout.HuggingFace, report.Layout);
        Assert.Contains("classifier.weight", report.Dropped);
    }

    [Fact]
    public void IncompleteHuggingFaceAttentionIsReportedByName()
    {
        using var scope = NewDisposeScope();
        var state = SafeTensors.Read(ReferenceFixtures.Path("hf_vit_tiny.safetensors"));
        state.Remove("encoder.layer.1.attention.attention.value.weight");
        var ex = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(ReferenceFixtures.HuggingFace(32).Build(), state));
        Assert.Contains("blocks.1.attn.qkv.weight", ex.Missing);
        Assert.Contains("encoder.layer.1.attention.attention.query.weight", ex.Unexpected);
    }

    [Theory]
    [InlineData("image_encoder.blocks.0.attn.rel_pos_h", CheckpointLayout.Sam)]
    [InlineData("encoder.layer.0.attention.attention.query.weight", CheckpointLayout.HuggingFace)]
    [InlineData("blocks.0.attn.qkv.weight", CheckpointLayout.Timm)]
    public void LayoutIsDetectedFromKeys(string key, CheckpointLayout expected) =>
        Assert.Equal(expected, CheckpointKeyMap.Detect([key, "pos_embed"]));
}
