using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>Patch embedding: a Conv(3 -> d, kernel P, stride P) (state key <c>proj</c>, as in SAM and timm).</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    /// <summary>Creates a patch embedding of side <paramref name="patch"/> to width <paramref name="width"/>.</summary>
    public PatchEmbed(int patch, int width, int inChannels = 3) : base("PatchEmbed")
    {
        proj = nn.Conv2d(inChannels, width, kernel_size: patch, stride: patch);
        RegisterComponents();
    }

    /// <summary>(N, 3, T, T) -> (N, d, T/P, T/P).</summary>
    public override Tensor forward(Tensor x) => proj.forward(x);
}
