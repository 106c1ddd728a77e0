using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// HVTSurv (Shao et al., AAAI 2023; szc19990412/HVTSurv <c>models/HVTSurv.py</c>). Per slide: fc + ReLU; the tiles are
/// grouped into windows of W spatially nearest tiles (<see cref="KnnWindowPartition"/>); a local layer (window attention
/// with a distance bias); x + ShuffleWindowAttention(LN(x)); x + Mlp(LN(x)). Then the tokens of all the patient's slides
/// (by <see cref="Bag.SlideIndex"/>) are concatenated, normalised and pooled by attention at patient level; a linear
/// head gives K logits. Window padding repeats tiles, and those copies take part in attention and pooling as in the
/// original. Parameter counts: see <see cref="HvtSurvConfig"/>.
/// </summary>
public sealed class HvtSurv : AttentionBagDecoder
{
    private readonly Sequential _fc1;
    private readonly LocalLayer layer1;
    private readonly Linear _fc2;
    private readonly ShuffleWindowAttention shiftwattn;
    private readonly HvtSurvMlp mlp1;
    private readonly LayerNorm norm1, norm2, norm3;
    private readonly AttentionNet attnpool;

    /// <summary>The sizes this model was built with.</summary>
    public HvtSurvConfig Config { get; }

    /// <inheritdoc/>
    public override int InputDim => Config.InputDim;

    /// <inheritdoc/>
    public override int Bins => Config.Bins;

    /// <inheritdoc/>
    public override bool NeedsCoordinates => true;

    /// <inheritdoc/>
    public override float? CoordinateStep => Config.TileSize;

    /// <summary>Builds the model from <paramref name="config"/>.</summary>
    public HvtSurv(HvtSurvConfig config) : base(nameof(HvtSurv))
    {
        if (config.Dim % config.Heads != 0)
            throw new ArgumentException($"HvtSurvConfig.Dim {config.Dim} must be a multiple of Heads {config.Heads}.", nameof(config));
        if (config.TileSize <= 0)
            throw new ArgumentException($"HvtSurvConfig.TileSize must be positive; got {config.TileSize}.", nameof(config));
        Config = config;
        _fc1 = nn.Sequential(nn.Linear(config.InputDim, config.Dim), nn.ReLU());
        layer1 = new LocalLayer(config);
        _fc2 = nn.Linear(config.Dim, config.Bins);
        shiftwattn = new ShuffleWindowAttention(config.Dim, config.Heads, config.WindowSize, config.Dropout);
        mlp1 = new HvtSurvMlp(config.Dim, config.Dim, config.Dropout);
        norm1 = nn.LayerNorm(config.Dim);
        norm2 = nn.LayerNorm(config.Dim);
        norm3 = nn.LayerNorm(config.Dim);
        attnpool = new AttentionNet(config.Dim, config.PoolDim);
        RegisterComponents();
    }

    /// <summary>
    /// The windows of each slide: per slide (in increasing slide number), the bag tile indices in window order
    /// (length a multiple of W). Together they are the token order of forward.
    /// </summary>
    public IReadOnlyList<long[]> Windows(Bag bag)
    {
        var coords = bag.Coordinates ?? throw new ArgumentException("HvtSurv needs Bag.Coordinates (N, 2).", nameof(bag));
        using var scope = NewDisposeScope();
        var xy = coords.to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var slides = bag.SlideIndex is { } s ? s.cpu().contiguous().data<long>().ToArray() : new long[bag.Count];
        var result = new List<long[]>();
        foreach (var slide in slides.Distinct().Order())
        {
            var members = Enumerable.Range(0, slides.Length).Where(i => slides[i] == slide).ToArray();
            var grid = members.Select(i => (Math.Floor(xy[2 * i] / Config.TileSize), Math.Floor(xy[2 * i + 1] / Config.TileSize))).ToArray();
            result.Add(KnnWindowPartition.Build(grid, Config.WindowSize).Select(local => (long)members[local]).ToArray());
        }
        return result;
    }

    /// <summary>Logits (K) and the patient-level pooling weights over all window tokens (Σ M_s), which sum to one.</summary>
    public override AttentionPooled ForwardWithAttention(Bag bag)
    {
        BagChecks.Validate(bag, this);
        using var scope = NewDisposeScope();
        var h = _fc1.forward(bag.Features);                                          // (N, C)
        var grid = (bag.Coordinates! / Config.TileSize).floor();                     // (N, 2) tile-grid positions
        var perSlide = new List<Tensor>();
        foreach (var order in Windows(bag))
        {
            var idx = torch.tensor(order);
            var x = layer1.forward(h.index_select(0, idx), grid.index_select(0, idx)); // (M, C) window order
            x = x + shiftwattn.forward(norm1.forward(x));
            x = x + mlp1.forward(norm2.forward(x));
            perSlide.Add(x);
        }
        var tokens = norm3.forward(torch.cat(perSlide, 0));                          // (Σ M, C)
        var a = nn.functional.softmax(attnpool.forward(tokens).transpose(0, 1), 1);  // (1, Σ M)
        var logits = _fc2.forward(a.mm(tokens)).squeeze(0);                          // (K)
        return new AttentionPooled(logits.MoveToOuterDisposeScope(), a.squeeze(0).MoveToOuterDisposeScope());
    }
}
