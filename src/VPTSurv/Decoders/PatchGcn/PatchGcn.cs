using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Decoders.Graph;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// Patch-GCN (Chen et al., MICCAI 2021; mahmoodlab/Patch-GCN <c>PatchGCN_Surv</c>): tiles are nodes of an 8-nearest
/// neighbour graph on their coordinates; x0 = fc(x); x1 = GENConv(x0); x_{i+1} = DeepGCN-res layer(x_i); the outputs
/// [x0, x1, …] are concatenated, passed through path_phi, pooled by gated attention, path_rho and a linear head.
/// The graph is built in forward from <see cref="Bag.Coordinates"/> (per slide when <see cref="Bag.SlideIndex"/> is set).
/// Parameter counts: see <see cref="PatchGcnConfig"/>.
/// </summary>
public sealed class PatchGcn : AttentionBagDecoder
{
    private readonly Sequential fc;
    private readonly ModuleList<DeepGcnLayer> layers;
    private readonly Sequential path_phi;
    private readonly GatedAttentionNet path_attention_head;
    private readonly Sequential path_rho;
    private readonly Linear classifier;

    /// <summary>The sizes this model was built with.</summary>
    public PatchGcnConfig Config { get; }

    /// <inheritdoc/>
    public override int InputDim => Config.InputDim;

    /// <inheritdoc/>
    public override int Bins => Config.Bins;

    /// <inheritdoc/>
    public override bool NeedsCoordinates => true;

    /// <summary>Builds the model from <paramref name="config"/>.</summary>
    public PatchGcn(PatchGcnConfig config) : base(nameof(PatchGcn))
    {
        if (config.NumLayers < 2)
            throw new ArgumentException($"PatchGcnConfig.NumLayers must be at least 2; got {config.NumLayers}.", nameof(config));
        Config = config;
        int h = config.HiddenDim, cat = h * config.NumLayers;
        fc = nn.Sequential(nn.Linear(config.InputDim, h), nn.ReLU(), new StreamDropout(config.Dropout));
        layers = nn.ModuleList(Enumerable.Range(0, config.NumLayers - 1).Select(_ => new DeepGcnLayer(h, config.LayerDropout)).ToArray());
        path_phi = nn.Sequential(nn.Linear(cat, cat), nn.ReLU(), new StreamDropout(config.Dropout));
        path_attention_head = new GatedAttentionNet(cat, cat, config.Dropout);
        path_rho = nn.Sequential(nn.Linear(cat, cat), nn.ReLU(), new StreamDropout(config.Dropout));
        classifier = nn.Linear(cat, config.Bins);
        RegisterComponents();
    }

    /// <summary>The graph this model builds for <paramref name="bag"/>: edge_index (2, E).</summary>
    public Tensor BuildGraph(Bag bag) => KnnGraph.Build(bag.Coordinates!, Config.Neighbours, bag.SlideIndex);

    /// <summary>Logits (K) and the attention weights over tiles (N), which sum to one.</summary>
    public override AttentionPooled ForwardWithAttention(Bag bag)
    {
        BagChecks.Validate(bag, this);
        using var scope = NewDisposeScope();
        var edges = BuildGraph(bag);                                                  // (2, E)
        var x0 = fc.forward(bag.Features);                                            // (N, H)
        var x = layers[0].Conv.forward(x0, edges);
        var blocks = new List<Tensor> { x0, x };
        foreach (var layer in layers.Skip(1))
        {
            x = layer.forward(x, edges);
            blocks.Add(x);
        }
        var h = path_phi.forward(torch.cat(blocks, 1));                              // (N, H L)
        var a = nn.functional.softmax(path_attention_head.forward(h).transpose(0, 1), 1); // (1, N)
        var z = path_rho.forward(a.mm(h));                                            // (1, H L)
        var logits = classifier.forward(z).squeeze(0);                                // (K)
        return new AttentionPooled(logits.MoveToOuterDisposeScope(), a.squeeze(0).MoveToOuterDisposeScope());
    }
}
