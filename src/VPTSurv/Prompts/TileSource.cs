using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>The tile prompt e = Down(t0): the frozen patch embedding t0 (N, n, d) projected to width r (state key <c>down</c>).</summary>
public sealed class TileSource : nn.Module<Tensor, Tensor>
{
    private readonly Linear down;

    /// <summary>Creates Down: Linear d -> r.</summary>
    public TileSource(int encoderWidth, int promptWidth) : base("TileSource")
    {
        down = nn.Linear(encoderWidth, promptWidth);
        RegisterComponents();
    }

    /// <summary>(N, n, d) -> (N, n, r).</summary>
    public override Tensor forward(Tensor patchTokens) => down.forward(patchTokens);
}

/// <summary>An image prompt: a Conv(3 -> r, kernel P, stride P) over an image derived from the tile (state key <c>proj</c>).</summary>
public abstract class ImagePromptSource : nn.Module<Tensor, Tensor>
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

/// <summary>The scale prompt: the normalised context tile (the 2T x 2T region around the tile, resized to T), embedded by its own conv.</summary>
public sealed class ScaleSource : ImagePromptSource
{
    /// <summary>Creates the source.</summary>
    public ScaleSource(int patch, int promptWidth) : base("ScaleSource", patch, promptWidth) => RegisterComponents();

    /// <summary>Normalised context tiles (N, 3, T, T) -> (N, n, r).</summary>
    public override Tensor forward(Tensor normalizedContext) => Embed(normalizedContext);
}

/// <summary>The tabular (prior-knowledge) prompt: patient covariates (C) -> one token of width r (state key <c>proj</c>).</summary>
public sealed class TabularSource : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    /// <summary>Creates Linear C -> r.</summary>
    public TabularSource(int covariates, int promptWidth) : base("TabularSource")
    {
        proj = nn.Linear(covariates, promptWidth);
        RegisterComponents();
    }

    /// <summary>Covariates (C) -> one token (1, 1, r), broadcast by the caller.</summary>
    public override Tensor forward(Tensor covariates) => proj.forward(covariates.view(1, 1, -1)); // (1, 1, r)
}
