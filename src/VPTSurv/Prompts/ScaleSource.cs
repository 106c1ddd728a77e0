using TorchSharp;
using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>The scale prompt: the normalised context tile (the 2T x 2T region around the tile, resized to T), embedded by its own conv.</summary>
public sealed class ScaleSource : ImagePromptSource
{
    /// <summary>Creates the source.</summary>
    public ScaleSource(int patch, int promptWidth) : base("ScaleSource", patch, promptWidth) => RegisterComponents();

    /// <inheritdoc />
    public override SlideInputParts Needs => SlideInputParts.Context;

    /// <summary>The slide input's context tiles (N, 3, T, T), normalised -> (N, n, r).</summary>
    public override Tensor forward(PromptContext input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = input.Input.Context
            ?? throw new ArgumentException("The scale prompt source needs the slide input's context tiles, and none were given.", nameof(input));
        if (!context.shape.SequenceEqual(input.Input.Tiles.shape))
            throw new ArgumentException(
                $"Context tiles must have the tiles' shape ({string.Join(", ", input.Input.Tiles.shape)}), got ({string.Join(", ", context.shape)}).", nameof(input));
        using var scope = NewDisposeScope();
        return Embed(input.Normalize(context)).MoveToOuterDisposeScope();
    }
}
