using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>An image prompt: a Conv(3 -> r, kernel P, stride P) over an image derived from the tile (state key <c>proj</c>).</summary>
public abstract class ImagePromptSource : PromptSource
{
    /// <summary>The patch conv.</summary>
    protected readonly Conv2d proj;

    /// <summary>Creates the patch conv of side <paramref name="patch"/> to width <paramref name="promptWidth"/>.</summary>
    protected ImagePromptSource(string name, int patch, int promptWidth) : base(name)
    {
        proj = nn.Conv2d(3, promptWidth, kernel_size: patch, stride: patch);
    }

    /// <summary>Embeds an image (N, 3, T, T) into prompt tokens (N, n, r).</summary>
    protected Tensor Embed(Tensor image)
    {
        using var scope = NewDisposeScope();
        return proj.forward(image).flatten(2).transpose(1, 2).MoveToOuterDisposeScope(); // (N, n, r)
    }
}
