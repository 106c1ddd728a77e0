using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

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
