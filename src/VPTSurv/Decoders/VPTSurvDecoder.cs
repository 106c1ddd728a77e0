using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// The VPTSurv survival decoder: tile tokens (N, D) -> Linear D -> d_dec, K learnable survival queries that attend
/// to them through pre-norm decoder layers, a final norm and one Linear d_dec -> 1 shared by all queries -> K logits
/// (read by <see cref="Survival.DiscreteTimeHead"/>). Also the "only VPTSurv decoder" two-stage baseline.
/// </summary>
public sealed class VPTSurvDecoder : BagDecoder
{
    private readonly Linear proj;
    private readonly Parameter queries;
    private readonly ModuleList<SurvivalDecoderLayer> layers;
    private readonly LayerNorm norm;
    private readonly Linear head;

    /// <summary>Builds the decoder with random weights.</summary>
    public VPTSurvDecoder(VPTSurvDecoderConfig config) : base("VPTSurvDecoder")
    {
        config.Validate();
        Config = config;
        proj = nn.Linear(config.InputDim, config.Width);
        // Plain normal(0, 0.02): timm's truncation at ±2 never bites at this std, and TorchSharp 0.107's trunc_normal_ returns a constant.
        queries = nn.Parameter(nn.init.normal_(empty(config.Bins, config.Width), std: 0.02));
        int hidden = (int)(config.Width * config.FfnRatio);
        layers = new ModuleList<SurvivalDecoderLayer>(
            Enumerable.Range(0, config.Layers).Select(_ => new SurvivalDecoderLayer(config.Width, config.Heads, hidden)).ToArray());
        norm = nn.LayerNorm(config.Width);
        head = nn.Linear(config.Width, 1);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public VPTSurvDecoderConfig Config { get; }

    /// <inheritdoc />
    public override int InputDim => Config.InputDim;

    /// <inheritdoc />
    public override int Bins => Config.Bins;

    /// <summary>Bag of N tile tokens (N, D) -> K logits (K).</summary>
    public override Tensor forward(Bag bag) => Decode(bag.Features);

    /// <summary>Tile tokens (N, D) -> K logits (K).</summary>
    public Tensor Decode(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != Config.InputDim)
            throw new ArgumentException($"VPTSurvDecoder expects tile features (N, {Config.InputDim}), got ({string.Join(", ", features.shape)}).", nameof(features));
        if (features.shape[0] == 0)
            throw new ArgumentException("VPTSurvDecoder: a bag needs at least one tile.", nameof(features));
        using var scope = NewDisposeScope();
        var tiles = proj.forward(features).unsqueeze(0); // (1, N, W)
        var q = queries.unsqueeze(0); // (1, K, W)
        foreach (var layer in layers)
            q = layer.forward(q, tiles);
        return head.forward(norm.forward(q)).view(Config.Bins).MoveToOuterDisposeScope(); // (K)
    }
}
