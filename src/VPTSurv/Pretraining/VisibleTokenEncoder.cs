using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// Runs a ViT encoder on the visible patch tokens only (MAE's encoder), using the encoder's own parameters, so
/// gradients train the very module the presets later load.
/// <list type="bullet">
/// <item>timm-style: position is added on the full grid, the visible tokens are gathered, prefix tokens are kept, the
/// blocks run unchanged (global attention over any token set).</item>
/// <item>SAM-style: the grid blocks cannot run on a scattered subset, so each block is applied to the visible tokens
/// with the attention it has on the grid: decomposed relative position indexed by the tokens' true (row, column)
/// offsets, and in windowed blocks a mask that lets a token attend only to visible tokens of its own window. With
/// every token visible this is exactly the encoder's forward when the grid is a multiple of the window (SAM's zero
/// padding tokens of partial windows have no counterpart here).</item>
/// </list>
/// </summary>
public sealed class VisibleTokenEncoder
{
    private readonly ViTEncoder _encoder;
    private readonly SamBlockParts[]? _sam;

    private sealed record SamBlockParts(nn.Module<Tensor, Tensor> Norm1, Linear Qkv, Linear Proj, Parameter? RelPosH, Parameter? RelPosW,
        nn.Module<Tensor, Tensor> Norm2, nn.Module<Tensor, Tensor> Mlp, int Window);

    /// <summary>Wraps <paramref name="encoder"/> (a <see cref="SamViT"/> or <see cref="TimmViT"/>).</summary>
    public VisibleTokenEncoder(ViTEncoder encoder)
    {
        _encoder = encoder;
        switch (encoder)
        {
            case SamViT sam:
                var modules = sam.named_modules().ToDictionary(m => m.name, m => m.module);
                var parameters = sam.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                _sam = new SamBlockParts[sam.Depth];
                for (int i = 0; i < sam.Depth; i++)
                {
                    string b = $"blocks.{i}.";
                    T M<T>(string key) where T : class => modules.GetValueOrDefault(b + key) as T
                        ?? throw new InvalidOperationException($"SAM encoder has no module '{b + key}' of type {typeof(T).Name}.");
                    _sam[i] = new SamBlockParts(M<nn.Module<Tensor, Tensor>>("norm1"), M<Linear>("attn.qkv"), M<Linear>("attn.proj"),
                        parameters.GetValueOrDefault(b + "attn.rel_pos_h"), parameters.GetValueOrDefault(b + "attn.rel_pos_w"),
                        M<nn.Module<Tensor, Tensor>>("norm2"), M<nn.Module<Tensor, Tensor>>("mlp"), sam.SamConfig.WindowOf(i));
                }
                break;
            case TimmViT:
                break;
            default:
                throw new ArgumentException(
                    $"MAE pretraining supports SAM-style and timm-style encoders, not {encoder.GetType().Name}.", nameof(encoder));
        }
    }

    /// <summary>The wrapped encoder.</summary>
    public ViTEncoder Encoder => _encoder;

    /// <summary>
    /// Tiles (B, 3, T, T) on the 0..255 scale and visible token indices (B, v) int64 (row-major grid order) ->
    /// final visible patch tokens (B, v, d).
    /// </summary>
    public Tensor Forward(Tensor tiles, Tensor keep)
    {
        using var scope = NewDisposeScope();
        var tokens = _encoder.EmbedPatches(_encoder.Normalize(tiles)); // (B, n, d)
        var result = _sam is null ? ForwardTimm(tokens, keep) : ForwardSam(tokens, keep);
        return result.MoveToOuterDisposeScope();
    }

    private Tensor ForwardTimm(Tensor tokens, Tensor keep)
    {
        var timm = (TimmViT)_encoder;
        int prefix = timm.Config.PrefixTokens;
        long b = tokens.shape[0], d = tokens.shape[2];
        var state = timm.Start(tokens); // (B, prefix + n, d), position added
        var patches = state[.., prefix.., ..].gather(1, keep.unsqueeze(-1).expand(b, keep.shape[1], d)); // (B, v, d)
        state = prefix > 0 ? cat([state[.., ..prefix, ..], patches], 1) : patches; // (B, prefix + v, d)
        for (int i = 0; i < timm.Depth; i++)
            state = timm.RunBlock(i, state, null);
        return timm.Finish(state); // (B, v, d)
    }

    private Tensor ForwardSam(Tensor tokens, Tensor keep)
    {
        var sam = (SamViT)_encoder;
        int grid = sam.SamConfig.GridSize, heads = sam.SamConfig.Heads;
        long b = tokens.shape[0], d = tokens.shape[2], v = keep.shape[1];
        var state = sam.Start(tokens).reshape(b, grid * grid, d); // (B, n, d), position added
        var x = state.gather(1, keep.unsqueeze(-1).expand(b, v, d)); // (B, v, d)
        var rows = keep.div(grid, rounding_mode: RoundingMode.floor); // (B, v)
        var cols = keep.remainder(grid); // (B, v)
        foreach (var part in _sam!)
            x = SamBlock(part, x, rows, cols, grid, heads);
        return x; // (B, v, d)
    }

    private static Tensor SamBlock(SamBlockParts p, Tensor x, Tensor rows, Tensor cols, int grid, int heads)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], v = x.shape[1], d = x.shape[2], hs = d / heads;
        int side = p.Window > 0 ? p.Window : grid; // attention side S: the window, or the whole grid
        var qkv = p.Qkv.forward(p.Norm1.forward(x)).reshape(b, v, 3, heads, hs).permute(2, 0, 3, 1, 4); // (3, B, nh, v, hs)
        var q = qkv[0];
        var k = qkv[1];
        var val = qkv[2]; // (B, nh, v, hs)

        Tensor bias = zeros(b, heads, v, v, device: x.device); // (B, nh, v, v)
        if (p.RelPosH is not null && p.RelPosW is not null)
        {
            // Offsets inside a window (or the grid): r_q - r_k + S - 1 indexes the (2S - 1)-long tables, as SAM's get_rel_pos.
            var localRows = p.Window > 0 ? rows.remainder(side) : rows;
            var localCols = p.Window > 0 ? cols.remainder(side) : cols;
            bias = bias + RelativeTerm(q, RelativePosition.Resize(p.RelPosH, 2 * side - 1), localRows, side)
                        + RelativeTerm(q, RelativePosition.Resize(p.RelPosW, 2 * side - 1), localCols, side);
        }
        if (p.Window > 0)
        {
            long windowsPerRow = (grid + side - 1) / side;
            var window = rows.div(side, rounding_mode: RoundingMode.floor) * windowsPerRow + cols.div(side, rounding_mode: RoundingMode.floor); // (B, v)
            var same = window.unsqueeze(2).eq(window.unsqueeze(1)).unsqueeze(1); // (B, 1, v, v)
            bias = bias.masked_fill(same.logical_not(), float.NegativeInfinity);
        }
        var y = nn.functional.scaled_dot_product_attention(q, k, val, attn_mask: bias); // (B, nh, v, hs)
        y = p.Proj.forward(y.transpose(1, 2).reshape(b, v, d)); // (B, v, d)
        var h = x + y;
        return (h + p.Mlp.forward(p.Norm2.forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>q · R[pos_q − pos_k + S − 1] for every query/key pair: (B, nh, v, v).</summary>
    private static Tensor RelativeTerm(Tensor q, Tensor table, Tensor positions, int side)
    {
        long b = q.shape[0], heads = q.shape[1], v = q.shape[2];
        var logits = matmul(q, table.t()); // (B, nh, v, 2S - 1)
        var offsets = (positions.unsqueeze(2) - positions.unsqueeze(1) + (side - 1)).unsqueeze(1).expand(b, heads, v, v); // (B, nh, v, v)
        return logits.gather(3, offsets);
    }
}
