using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// MAE's light decoder: the visible latents (after a LayerNorm, since a SAM trunk has no final norm) are embedded to
/// the decoder width, a shared learned mask token fills the hidden positions, fixed 2-D sine-cosine position is added,
/// a few pre-norm Transformer blocks run over all n tokens, and a linear head predicts each patch's P·P·3 pixels.
/// State keys follow MAE's (<c>decoder_embed</c>, <c>mask_token</c>, <c>decoder_blocks</c>, <c>decoder_norm</c>,
/// <c>decoder_pred</c>). Discarded after pretraining.
/// </summary>
public sealed class MaeDecoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm latent_norm;
    private readonly Linear decoder_embed;
    private readonly Parameter mask_token;
    private readonly float[] _positions; // fixed, not a state key (MAE recomputes it too)
    private readonly int _width;
    private readonly ModuleList<TimmBlock> decoder_blocks;
    private readonly LayerNorm decoder_norm;
    private readonly Linear decoder_pred;
    private readonly int tokens;

    /// <summary>Builds the decoder for <paramref name="encoder"/>'s grid and width.</summary>
    public MaeDecoder(EncoderConfig encoder, int width, int depth, int heads) : base("MaeDecoder")
    {
        tokens = encoder.TokensPerTile;
        latent_norm = nn.LayerNorm(encoder.Width, eps: 1e-6);
        decoder_embed = nn.Linear(encoder.Width, width);
        mask_token = nn.Parameter(nn.init.normal_(zeros(1, 1, width), std: 0.02));
        _width = width;
        _positions = SinCos2d(width, encoder.GridSize);
        // The decoder blocks are ordinary timm blocks; their config only carries width, heads and MLP ratio.
        var blockConfig = new TimmViTConfig
        {
            ImageSize = encoder.ImageSize, PatchSize = encoder.PatchSize, Width = width, Depth = depth, Heads = heads,
            Normalization = encoder.Normalization,
        };
        decoder_blocks = new ModuleList<TimmBlock>(Enumerable.Range(0, depth).Select(_ => new TimmBlock(blockConfig)).ToArray());
        decoder_norm = nn.LayerNorm(width, eps: 1e-6);
        decoder_pred = nn.Linear(width, encoder.PatchSize * encoder.PatchSize * 3);
        RegisterComponents();
    }

    /// <summary>Visible latents (B, v, d) and their token indices (B, v) -> predicted pixels of every patch (B, n, P·P·3).</summary>
    public override Tensor forward(Tensor latent, Tensor keep)
    {
        using var scope = NewDisposeScope();
        long b = latent.shape[0], v = latent.shape[1];
        var x = decoder_embed.forward(latent_norm.forward(latent)); // (B, v, D)
        long dd = x.shape[2];
        var full = mask_token.expand(b, tokens, dd).scatter(1, keep.unsqueeze(-1).expand(b, v, dd), x); // (B, n, D)
        full = full + tensor(_positions, [1, tokens, _width], device: full.device); // (B, n, D)
        foreach (var block in decoder_blocks)
            full = block.forward(full);
        return decoder_pred.forward(decoder_norm.forward(full)).MoveToOuterDisposeScope(); // (B, n, P·P·3)
    }

    /// <summary>MAE's fixed 2-D sine-cosine table for a g×g grid, tokens in row-major order: (g·g, D) flattened, half the channels per axis.</summary>
    public static float[] SinCos2d(int width, int grid)
    {
        if (width % 4 != 0)
            throw new ArgumentException($"The sine-cosine position table needs a width divisible by 4, got {width}.");
        int quarter = width / 4;
        var table = new float[grid * grid * width];
        for (int r = 0; r < grid; r++)
            for (int c = 0; c < grid; c++)
            {
                int row = (r * grid + c) * width;
                for (int i = 0; i < quarter; i++)
                {
                    double omega = 1.0 / Math.Pow(10000, i / (double)quarter);
                    // First half encodes the column (MAE's grid[0] is w), second half the row.
                    table[row + i] = (float)Math.Sin(c * omega);
                    table[row + quarter + i] = (float)Math.Cos(c * omega);
                    table[row + 2 * quarter + i] = (float)Math.Sin(r * omega);
                    table[row + 3 * quarter + i] = (float)Math.Cos(r * omega);
                }
            }
        return table; // (n, D) row-major
    }
}
