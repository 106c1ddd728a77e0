using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>The structure prompt: the high-frequency component of the normalised tile, embedded by its own conv.</summary>
public sealed class StructureSource : ImagePromptSource
{
    private readonly double tau;

    /// <summary>Creates the source with low-frequency fraction <paramref name="tau"/>.</summary>
    public StructureSource(int patch, int promptWidth, double tau) : base("StructureSource", patch, promptWidth)
    {
        this.tau = tau;
        RegisterComponents();
    }

    /// <summary>The normalised tiles (N, 3, T, T) -> (N, n, r).</summary>
    public override Tensor forward(PromptContext input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        using var hfc = HighFrequency.Extract(input.NormalizedTiles, tau);
        return Embed(hfc).MoveToOuterDisposeScope();
    }
}
