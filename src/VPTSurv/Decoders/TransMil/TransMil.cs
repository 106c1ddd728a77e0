using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// TransMIL (Shao et al., NeurIPS 2021; szc19990412/TransMIL <c>models/TransMIL.py</c>): tiles are projected
/// (Linear + ReLU), the sequence is padded to a square number by repeating its first tokens, a class token is
/// prepended, then TransLayer -> PPEG -> TransLayer -> LayerNorm, and the class token is read by a linear head.
/// Tiles of several slides are one sequence, in bag order. Parameter counts: see <see cref="TransMilConfig"/>.
/// </summary>
public sealed class TransMil : BagDecoder
{
    private readonly Ppeg pos_layer;
    private readonly Sequential _fc1;
    private readonly Parameter cls_token;
    private readonly TransLayer layer1, layer2;
    private readonly LayerNorm norm;
    private readonly Linear _fc2;

    /// <summary>The sizes this model was built with.</summary>
    public TransMilConfig Config { get; }

    /// <inheritdoc/>
    public override int InputDim => Config.InputDim;

    /// <inheritdoc/>
    public override int Bins => Config.Bins;

    /// <summary>Builds the model from <paramref name="config"/>.</summary>
    public TransMil(TransMilConfig config) : base(nameof(TransMil))
    {
        if (config.Dim % config.Heads != 0)
            throw new ArgumentException($"TransMilConfig.Dim {config.Dim} must be a multiple of Heads {config.Heads}.", nameof(config));
        Config = config;
        pos_layer = new Ppeg(config.Dim);
        _fc1 = nn.Sequential(nn.Linear(config.InputDim, config.Dim), nn.ReLU());
        cls_token = nn.Parameter(torch.randn(1, 1, config.Dim));
        layer1 = new TransLayer(config);
        layer2 = new TransLayer(config);
        norm = nn.LayerNorm(config.Dim);
        _fc2 = nn.Linear(config.Dim, config.Bins);
        RegisterComponents();
    }

    /// <summary>Bag -> survival logits (K).</summary>
    public override Tensor forward(Bag bag)
    {
        BagChecks.Validate(bag, this);
        using var scope = NewDisposeScope();
        var h = _fc1.forward(bag.Features).unsqueeze(0);                             // (1, N, C)
        long n = h.shape[1];
        long side = (long)Math.Ceiling(Math.Sqrt(n));
        long add = side * side - n;
        if (add > 0) h = torch.cat([h, h[.., ..(int)add, ..]], 1);                   // (1, side², C)
        h = torch.cat([cls_token, h], 1);                                            // (1, 1 + side², C)
        h = layer1.forward(h);
        h = pos_layer.forward(h, side, side);
        h = layer2.forward(h);
        var cls = norm.forward(h)[0, 0];                                             // (C)
        return _fc2.forward(cls).MoveToOuterDisposeScope();
    }
}
