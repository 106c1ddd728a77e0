using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Prompts;

namespace VPTSurv.Bench;

/// <summary>
/// Analytic forward FLOP counts (2 per multiply-add) of the matrix work in a SAM-style encoder, its prompt path
/// and the survival decoder; norms, softmax and elementwise work are left out, so achieved GFLOP/s is a lower bound.
/// </summary>
internal static class EncoderFlops
{
    /// <summary>Frozen SAM-style encoder, one tile.</summary>
    public static double SamPerTile(SamViTConfig c)
    {
        long g = c.GridSize, n = g * g, d = c.Width, p = c.PatchSize, hid = c.MlpHidden;
        double flops = 2.0 * n * 3 * p * p * d; // patch embedding
        for (int i = 0; i < c.Depth; i++)
        {
            int ws = c.WindowOf(i);
            long side = ws == 0 ? g : ws;
            long windows = ws == 0 ? 1 : (long)Math.Pow(Math.Ceiling((double)g / ws), 2);
            long l = side * side, tokens = windows * l; // SAM projects qkv on the padded windows
            flops += 2.0 * tokens * d * 3 * d; // qkv
            flops += windows * 2.0 * (2.0 * l * l * d); // scores and attention-weighted values
            if (c.UseRelativePosition) flops += windows * 2.0 * l * (2 * side) * d; // decomposed relative position
            flops += 2.0 * tokens * d * d; // proj
            flops += 2.0 * n * d * hid * 2; // MLP
        }
        return flops;
    }

    /// <summary>Prompt sources, adaptors and Up, one tile.</summary>
    public static double PromptsPerTile(EncoderConfig e, PromptConfig pc)
    {
        long n = e.TokensPerTile, d = e.Width, r = pc.Width, p = e.PatchSize;
        int images = (pc.Sources.HasFlag(PromptSources.Structure) ? 1 : 0) + (pc.Sources.HasFlag(PromptSources.Scale) ? 1 : 0);
        long kv = n * (1 + images) + (pc.Sources.HasFlag(PromptSources.Tabular) ? 1 : 0);
        double flops = 2.0 * n * d * r + images * 2.0 * n * 3 * p * p * r;
        double perBlock = 2.0 * n * r * r * 3 // q, out, MLP
                          + 2.0 * 2 * kv * r * r // k, v
                          + 2.0 * 2 * n * kv * r // scores, values
                          + 2.0 * n * r * d; // Up
        return flops + e.Depth * perBlock;
    }

    /// <summary>The survival decoder on a bag of <paramref name="tiles"/>.</summary>
    public static double Decoder(VPTSurvDecoderConfig c, long tiles)
    {
        long w = c.Width, k = c.Bins, hid = (long)(w * c.FfnRatio);
        double flops = 2.0 * tiles * c.InputDim * w;
        double perLayer = 2.0 * 4 * k * w * w + 2.0 * 2 * k * k * w // self-attention
                          + 2.0 * 2 * k * w * w + 2.0 * 2 * tiles * w * w + 2.0 * 2 * k * tiles * w // cross-attention
                          + 2.0 * 2 * k * w * hid; // FFN
        return flops + c.Layers * perLayer;
    }
}
