using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Pretraining;
using VPTSurv.Tests.Encoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Pretraining;

public class VisibleTokenEncoderTests
{
    private static Tensor Tiles(int n, int t, long seed)
    {
        var g = new TorchSharp.torch.Generator((ulong)seed);
        return rand([n, 3, t, t], generator: g) * 255; // (N, 3, T, T)
    }

    // The SAM reference weights (PyTorch-made fixture) have non-zero relative-position tables, so offsets matter.
    private static ViTEncoder SamTiny()
    {
        var encoder = ReferenceFixtures.Sam(48).Build(); // 6x6 grid, window 3: no padding
        CheckpointLoader.Load(encoder, ReferenceFixtures.Path("sam_tiny.safetensors"));
        encoder.eval();
        return encoder;
    }

    private static ViTEncoder TimmTiny()
    {
        var encoder = ReferenceFixtures.Timm(48).Build();
        CheckpointLoader.Load(encoder, ReferenceFixtures.Path("timm_tiny.safetensors"));
        encoder.eval();
        return encoder;
    }

    public static TheoryData<string> Kinds => new() { "sam", "timm" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WithEveryTokenVisibleItIsTheEncodersOwnForward(string kind)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var encoder = kind == "sam" ? SamTiny() : TimmTiny();
        var tiles = Tiles(3, 48, 1);
        var expected = encoder.forward(tiles); // (3, 36, 64)
        var actual = new VisibleTokenEncoder(encoder).Forward(tiles, MaeMasking.All(3, 36));
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(ReferenceFixtures.MaxError(actual, expected) < 1e-4, $"max error {ReferenceFixtures.MaxError(actual, expected)}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HiddenPatchesNeverReachTheEncoder(string kind)
    {
        // The MAE encoder must not see masked patches: repainting them leaves every visible latent unchanged.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var encoder = kind == "sam" ? SamTiny() : TimmTiny();
        var (keep, mask) = MaeMasking.Draw(seed: 7, step: 0, batch: 2, tokens: 36, visible: 9);
        var tiles = Tiles(2, 48, 2);
        var repainted = tiles.clone();
        var hidden = mask.view(2, 6, 6).repeat_interleave(8, 1).repeat_interleave(8, 2).unsqueeze(1).expand(2, 3, 48, 48).to(ScalarType.Bool);
        repainted = repainted.masked_fill(hidden, 17.0);
        Assert.True(repainted.ne(tiles).any().item<bool>());
        var visible = new VisibleTokenEncoder(encoder);
        var a = visible.Forward(tiles, keep);
        var b = visible.Forward(repainted, keep);
        Assert.Equal(new long[] { 2, 9, 64 }, a.shape);
        Assert.Equal(0.0, ReferenceFixtures.MaxError(a, b));
    }

    [Fact]
    public void InAWindowedSamBlockATokenSeesOnlyVisibleTokensOfItsOwnWindow()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // One windowed block (no global block): tokens of window 0 ignore a visible token of another window.
        var config = ReferenceFixtures.Sam(48) with { Depth = 1, GlobalBlocks = [], NeckChannels = 0 };
        var encoder = config.Build();
        var keep = tensor(new long[] { 0, 1, 7, 3, 35 }, [1, 5]); // 0, 1, 7 in window 0; 3 and 35 elsewhere
        var tiles = Tiles(1, 48, 3);
        var changed = tiles.clone();
        changed[.., .., 40..48, 40..48] = 0; // patch 35 (row 5, column 5)
        var visible = new VisibleTokenEncoder(encoder);
        var a = visible.Forward(tiles, keep);
        var b = visible.Forward(changed, keep);
        Assert.Equal(0.0, ReferenceFixtures.MaxError(a[.., ..3], b[.., ..3]));
        Assert.True(ReferenceFixtures.MaxError(a[.., 4], b[.., 4]) > 1e-3);
    }
}
