using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// A frozen-able ViT image encoder split into the steps a prompted encoder needs to interleave with its adaptors:
/// <see cref="Normalize"/> tiles, <see cref="EmbedPatches"/> (t0, before position), <see cref="Start"/> (position,
/// prefix tokens), <see cref="RunBlock"/> (one block, after adding a prompt to the patch tokens) and
/// <see cref="Finish"/> (final patch tokens). <c>forward</c> runs all of them without prompts and returns (N, n, d).
/// </summary>
public abstract class ViTEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module with its TorchSharp name.</summary>
    protected ViTEncoder(string name, EncoderConfig config) : base(name)
    {
        config.Validate();
        Config = config;
    }

    /// <summary>The configuration this encoder was built from.</summary>
    public EncoderConfig Config { get; }

    /// <summary>Token width d.</summary>
    public int Width => Config.Width;

    /// <summary>Number of blocks.</summary>
    public int Depth => Config.Depth;

    /// <summary>
    /// The device the encoder's weights are on (where it computes; inputs are moved there). Read from the encoder's own
    /// parameters (the position table) without walking every block: the models ask on each forward.
    /// </summary>
    public Device Device => (parameters(recurse: false).FirstOrDefault() ?? parameters().First()).device;

    /// <summary>
    /// Checks the tiles and applies the encoder's normalisation: (N, 3, T, T) uint8 0..255 or float 0..255 ->
    /// float32 (N, 3, T, T).
    /// </summary>
    public Tensor Normalize(Tensor tiles)
    {
        int t = Config.ImageSize;
        if (tiles.dim() != 4 || tiles.shape[1] != 3 || tiles.shape[2] != t || tiles.shape[3] != t)
            throw new ArgumentException(
                $"Tiles must be (N, 3, {t}, {t}) RGB on the 0..255 scale, got ({string.Join(", ", tiles.shape)}).", nameof(tiles));
        if (tiles.dtype != ScalarType.Byte && !tiles.is_floating_point())
            throw new ArgumentException($"Tiles must be uint8 or floating point (0..255), got {tiles.dtype}.", nameof(tiles));
        using var scope = NewDisposeScope();
        var norm = Config.Normalization;
        var mean = tensor(norm.Mean.Select(v => (float)v).ToArray(), device: tiles.device).view(1, 3, 1, 1);
        var std = tensor(norm.Std.Select(v => (float)v).ToArray(), device: tiles.device).view(1, 3, 1, 1);
        return ((tiles.to(ScalarType.Float32) - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>Patch embedding t0 of normalised tiles: (N, 3, T, T) -> (N, n, d), before position.</summary>
    public abstract Tensor EmbedPatches(Tensor normalized);

    /// <summary>The encoder's token state before block 0, from t0 (N, n, d); its layout is the encoder's own.</summary>
    public abstract Tensor Start(Tensor patchTokens);

    /// <summary>
    /// Block <paramref name="index"/> applied to <paramref name="state"/>, after adding <paramref name="prompt"/>
    /// (N, n, d) to the patch tokens (prefix tokens receive no prompt): X_i = Block_i(X_{i-1} + P_i).
    /// </summary>
    public abstract Tensor RunBlock(int index, Tensor state, Tensor? prompt);

    /// <summary>The final patch tokens (N, n, d) from the state after the last block (timm: after the final norm).</summary>
    public abstract Tensor Finish(Tensor state);

    /// <summary>Unprompted encoder: tiles (N, 3, T, T) on the 0..255 scale -> patch tokens (N, n, d).</summary>
    public override Tensor forward(Tensor tiles)
    {
        using var scope = NewDisposeScope();
        var state = Start(EmbedPatches(Normalize(tiles)));
        for (int i = 0; i < Depth; i++)
            state = RunBlock(i, state, null);
        return Finish(state).MoveToOuterDisposeScope();
    }

    /// <summary>Freezes every parameter (requires_grad false) and switches to eval mode.</summary>
    public void Freeze()
    {
        foreach (var p in parameters())
            p.requires_grad = false;
        eval();
    }
}
