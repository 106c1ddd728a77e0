using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

/// <summary>The C# encoders load the PyTorch reference checkpoints and reproduce the reference outputs to 1e-4.</summary>
public class ReferenceEncoderTests
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("sam_tiny.pth", 64)]
    [InlineData("sam_tiny.safetensors", 64)]
    [InlineData("sam_tiny.pth", 40)] // 5x5 grid: position table 8x8 -> 5x5, global relative tables 15 -> 9, windows padded
    [InlineData("sam_tiny.safetensors", 40)]
    public void SamEncoderMatchesPyTorchReference(string file, int size)
    {
        using var scope = NewDisposeScope();
        var encoder = (SamViT)ReferenceFixtures.Sam(size).Build();
        var report = CheckpointLoader.Load(encoder, ReferenceFixtures.Path(file));
        Assert.Equal(CheckpointLayout.Sam, report.Layout);
        var io = ReferenceFixtures.Io();
        var input = io[$"sam_{size}.input"];
        using var _ = no_grad();
        var tokens = encoder.forward(input).view(2, size / 8, size / 8, 64);
        Assert.InRange(ReferenceFixtures.MaxError(tokens, io[$"sam_{size}.tokens"]), 0, Tolerance);
        Assert.InRange(ReferenceFixtures.MaxError(encoder.ForwardNeck(input), io[$"sam_{size}.neck"]), 0, Tolerance);
    }

    [Fact]
    public void SamLoadReportsResizedTablesAndSetsAsideTheRestOfSam()
    {
        using var scope = NewDisposeScope();
        var report = CheckpointLoader.Load(ReferenceFixtures.Sam(40).Build(), ReferenceFixtures.Path("sam_tiny.safetensors"));
        Assert.Contains(report.Resized, r => r.StartsWith("pos_embed: [1, 8, 8, 64] -> [1, 5, 5, 64]"));
        Assert.Contains(report.Resized, r => r.StartsWith("blocks.1.attn.rel_pos_h: [15, 16] -> [9, 16]"));
        Assert.DoesNotContain(report.Resized, r => r.StartsWith("blocks.0.")); // window tables fit already
        Assert.Equal(["mask_decoder.iou_token.weight", "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"], report.Dropped.Order());
    }

    [Theory]
    [InlineData("timm_tiny.pth", 32)]
    [InlineData("timm_tiny.safetensors", 32)]
    [InlineData("timm_tiny.safetensors", 24)] // 3x3 grid: patch part of the position table resized, prefix tokens kept
    public void TimmEncoderMatchesPyTorchReference(string file, int size)
    {
        using var scope = NewDisposeScope();
        var encoder = (TimmViT)ReferenceFixtures.Timm(size).Build();
        var report = CheckpointLoader.Load(encoder, ReferenceFixtures.Path(file));
        Assert.Equal(CheckpointLayout.Timm, report.Layout);
        Assert.Equal(["head.bias", "head.weight"], report.Dropped.Order());
        var io = ReferenceFixtures.Io();
        using var _ = no_grad();
        var all = encoder.ForwardFeatures(io[$"timm_{size}.input"]);
        Assert.InRange(ReferenceFixtures.MaxError(all, io[$"timm_{size}.tokens"]), 0, Tolerance);
        // The encoder's own output drops the class and register tokens.
        var patches = encoder.forward(io[$"timm_{size}.input"]);
        Assert.InRange(ReferenceFixtures.MaxError(patches, io[$"timm_{size}.tokens"][.., 3.., ..]), 0, Tolerance);
    }

    [Fact]
    public void HuggingFaceLayoutIsMappedOntoTheTimmEncoder()
    {
        using var scope = NewDisposeScope();
        var encoder = (TimmViT)ReferenceFixtures.HuggingFace(32).Build();
        var report = CheckpointLoader.Load(encoder, ReferenceFixtures.Path("hf_vit_tiny.safetensors"));
        Assert.Equal(CheckpointLayout.HuggingFace, report.Layout);
        Assert.Equal(["pooler.dense.bias", "pooler.dense.weight"], report.Dropped.Order());
        var io = ReferenceFixtures.Io();
        using var _ = no_grad();
        Assert.InRange(ReferenceFixtures.MaxError(encoder.ForwardFeatures(io["hf_32.input"]), io["hf_32.tokens"]), 0, Tolerance);
    }

    [Fact]
    public void UnloadedEncoderDoesNotMatchTheReference()
    {
        // Guards the comparison itself: random weights must fail the 1e-4 criterion by far.
        using var scope = NewDisposeScope();
        var io = ReferenceFixtures.Io();
        using var _ = no_grad();
        var tokens = ReferenceFixtures.Sam(64).Build().forward(io["sam_64.input"]).view(2, 8, 8, 64);
        Assert.True(ReferenceFixtures.MaxError(tokens, io["sam_64.tokens"]) > 1e-2);
    }

    [Fact]
    public void OurSamKeysAreSamsReleasedKeyNames()
    {
        using var scope = NewDisposeScope();
        var keys = ReferenceFixtures.Sam(64).Build().state_dict().Keys.ToHashSet();
        foreach (var k in new[] { "patch_embed.proj.weight", "pos_embed", "blocks.0.attn.qkv.weight", "blocks.0.attn.rel_pos_h",
                     "blocks.2.mlp.lin1.weight", "blocks.1.norm2.bias", "neck.0.weight", "neck.1.bias", "neck.2.weight", "neck.3.weight" })
            Assert.Contains(k, keys);
    }
}
