using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>The tabular (prior-knowledge) prompt: patient covariates (C) -> one token of width r, shared by every tile (state key <c>proj</c>).</summary>
public sealed class TabularSource : PromptSource
{
    private readonly Linear proj;
    private readonly int covariates;

    /// <summary>Creates Linear C -> r.</summary>
    public TabularSource(int covariates, int promptWidth) : base("TabularSource")
    {
        this.covariates = covariates;
        proj = nn.Linear(covariates, promptWidth);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override SlideInputParts Needs => SlideInputParts.Covariates;

    /// <summary>The slide input's covariates (C) -> one token per tile (N, 1, r).</summary>
    public override Tensor forward(PromptContext input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var values = input.Input.Covariates
            ?? throw new ArgumentException("The tabular prompt source needs the slide input's covariates, and none were given.", nameof(input));
        if (values.numel() != covariates)
            throw new ArgumentException($"Expected {covariates} covariates, got {values.numel()}.", nameof(input));
        using var scope = NewDisposeScope();
        var token = proj.forward(values.to(ScalarType.Float32).to(input.NormalizedTiles.device).view(1, 1, -1)); // (1, 1, r)
        return token.expand(input.Count, 1, -1).MoveToOuterDisposeScope(); // (N, 1, r)
    }
}
