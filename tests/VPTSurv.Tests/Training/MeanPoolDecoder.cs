using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Decoders;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

// doc:begin mean-pool-decoder
/// <summary>
/// A decoder defined outside the library, as a user would write one: the mean of the bag's features, then a linear
/// layer to K logits. Registered by the registry and model-file tests and by the architecture document's example.
/// </summary>
public sealed class MeanPoolDecoder : BagDecoder
{
    private readonly Linear head;

    /// <summary>d-wide features to <paramref name="bins"/> logits.</summary>
    public MeanPoolDecoder(int inputDim, int bins) : base(nameof(MeanPoolDecoder))
    {
        InputDim = inputDim;
        Bins = bins;
        head = nn.Linear(inputDim, bins);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override int InputDim { get; }

    /// <inheritdoc/>
    public override int Bins { get; }

    /// <summary>Bag (N, d) -> K logits (K).</summary>
    public override Tensor forward(Bag bag) => head.forward(bag.Features.mean([0]));
}
// doc:end
