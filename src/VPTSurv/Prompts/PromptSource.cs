using TorchSharp;
using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>
/// What a prompt source reads: the slide input and what the frozen encoder has already made of its tiles.
/// </summary>
/// <param name="Input">The slide input (tiles, and the context, covariates or positions the model needs).</param>
/// <param name="NormalizedTiles">The tiles normalised as the encoder normalises them, (N, 3, T, T) float32.</param>
/// <param name="PatchTokens">The frozen patch embedding t0 of the tiles, (N, n, d) float32.</param>
/// <param name="Normalize">The encoder's input normalisation, for other images of the slide (the scale context).</param>
public sealed record PromptContext(SlideInput Input, Tensor NormalizedTiles, Tensor PatchTokens, Func<Tensor, Tensor> Normalize)
{
    /// <summary>Number of tiles N.</summary>
    public long Count => NormalizedTiles.shape[0];
}

/// <summary>
/// A prompt source: a trainable module that turns what it reads of a slide into prompt tokens (N, L, r) — L tokens of
/// width r per tile, L = n for an image of the tile, 1 for a slide-level token — which the adaptors attend to beside
/// the tile prompt. The prompted encoder holds a list of them (state key = the source's registered name); add your
/// own with <see cref="PromptSourceRegistry.Register"/> and name it in <see cref="PromptConfig.Extra"/>.
/// </summary>
public abstract class PromptSource : nn.Module<PromptContext, Tensor>
{
    /// <summary>Creates the module with its TorchSharp name.</summary>
    protected PromptSource(string name) : base(name) { }

    /// <summary>What the source reads of the slide input besides the tiles (the pipelines load it for the model).</summary>
    public virtual SlideInputParts Needs => SlideInputParts.None;
}
