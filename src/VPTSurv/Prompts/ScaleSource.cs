using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>The scale prompt: the normalised context tile (the 2T x 2T region around the tile, resized to T), embedded by its own conv.</summary>
public sealed class ScaleSource : ImagePromptSource
{
    /// <summary>Creates the source.</summary>
    public ScaleSource(int patch, int promptWidth) : base("ScaleSource", patch, promptWidth) => RegisterComponents();

    /// <summary>Normalised context tiles (N, 3, T, T) -> (N, n, r).</summary>
    public override Tensor forward(Tensor normalizedContext) => Embed(normalizedContext);
}
