using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>The tile prompt e = Down(t0): the frozen patch embedding t0 (N, n, d) projected to width r (state key <c>down</c>).</summary>
public sealed class TilePromptSource : nn.Module<Tensor, Tensor>
{
    private readonly Linear down;

    /// <summary>Creates Down: Linear d -> r.</summary>
    public TilePromptSource(int encoderWidth, int promptWidth) : base("TileSource")
    {
        down = nn.Linear(encoderWidth, promptWidth);
        RegisterComponents();
    }

    /// <summary>(N, n, d) -> (N, n, r).</summary>
    public override Tensor forward(Tensor patchTokens) => down.forward(patchTokens);
}
