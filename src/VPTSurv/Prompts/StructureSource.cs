using TorchSharp;
using TorchSharp.Modules;
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

    /// <summary>Normalised tiles (N, 3, T, T) -> (N, n, r).</summary>
    public override Tensor forward(Tensor normalizedTiles)
    {
        using var scope = NewDisposeScope();
        using var hfc = HighFrequency.Extract(normalizedTiles, tau);
        return Embed(hfc).MoveToOuterDisposeScope();
    }
}
