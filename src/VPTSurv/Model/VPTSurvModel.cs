using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Prompts;
using VPTSurv.Runtime;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Model;

/// <summary>
/// VPTSurv end to end: tiles -> prompted frozen ViT -> mean of the last block's patch tokens (one token per tile)
/// -> survival decoder -> K logits. Split as <see cref="ForwardFeatures"/> / <see cref="Pool"/> /
/// <see cref="Decode"/> so trainers can cache gradients per tile chunk; <see cref="FrozenFeatures"/> is the
/// prompt-free path for two-stage feature extraction. Only prompt sources, adaptors, Up and the decoder train.
/// State keys: <c>encoder.*</c> (<see cref="PromptedEncoder"/>), <c>decoder.*</c>.
/// </summary>
public sealed class VPTSurvModel : nn.Module<Tensor, Tensor>
{
    private readonly PromptedEncoder encoder;
    private readonly FeatureStandardizer standardizer;
    private readonly BagDecoder decoder;

    /// <summary>
    /// Builds the model with random weights (the encoder frozen; load encoder weights into <see cref="Backbone"/>).
    /// With <paramref name="seed"/>, every component is initialised from its own stream of (seed, component name)
    /// (<see cref="RandomStreams"/>): two models with the same seed and decoder share the decoder's and the adaptors'
    /// initial weights whatever prompt sources they use. Without it, the parts draw in turn from torch's generator.
    /// </summary>
    public VPTSurvModel(VPTSurvModelConfig config, long? seed = null) : base("VPTSurv")
    {
        config.Validate();
        Config = config;
        var vit = RandomStreams.Build(seed, RandomStreams.Names.Encoder, () => config.Encoder.Build());
        encoder = new PromptedEncoder(vit, config.Prompts, seed);
        standardizer = new FeatureStandardizer(config.Decoder.InputDim);
        decoder = RandomStreams.Build(seed, RandomStreams.Names.Decoder, () => new VPTSurvDecoder(config.Decoder));
        RegisterComponents();
    }

    /// <summary>
    /// Composes a prompted encoder and any bag decoder whose input width is the encoder's (see <see cref="ModelBuilder"/>).
    /// A spatial decoder (PatchGCN, HVTSurv) reads the slide input's tile positions (<see cref="Needs"/>).
    /// </summary>
    public VPTSurvModel(PromptedEncoder encoder, BagDecoder decoder) : base("VPTSurv")
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        if (decoder.InputDim != encoder.Vit.Width)
            throw new ArgumentException($"The decoder reads {decoder.InputDim}-wide tile tokens, but the encoder's width is {encoder.Vit.Width}.", nameof(decoder));
        Config = decoder is VPTSurvDecoder v ? new VPTSurvModelConfig(encoder.Vit.Config, encoder.Config, v.Config) : null;
        this.encoder = encoder;
        standardizer = new FeatureStandardizer(decoder.InputDim);
        this.decoder = decoder;
        RegisterComponents();
    }

    /// <summary>The configuration; null for a model composed from parts whose decoder is not the VPTSurv decoder.</summary>
    public VPTSurvModelConfig? Config { get; }

    /// <summary>The prompted encoder (frozen ViT + sources + adaptors + Up).</summary>
    public PromptedEncoder Encoder => encoder;

    /// <summary>The frozen ViT (load checkpoints into it with <see cref="Encoders.Checkpoints.CheckpointLoader"/>).</summary>
    public ViTEncoder Backbone => encoder.Vit;

    /// <summary>The VPTSurv survival decoder (for a model composed with another decoder, see <see cref="BagDecoder"/>).</summary>
    public VPTSurvDecoder Decoder => decoder as VPTSurvDecoder
        ?? throw new InvalidOperationException($"This model's decoder is {decoder.GetType().Name}; use BagDecoder.");

    /// <summary>The decoder, whatever its kind.</summary>
    public BagDecoder BagDecoder => decoder;

    /// <summary>
    /// The standardisation of the pooled tokens before the decoder (<see cref="FeatureStandardization"/>): identity
    /// until the trainer fits it on the training split's frozen features.
    /// </summary>
    public FeatureStandardizer Standardizer => standardizer;

    /// <summary>What the model reads of a slide besides its tiles: its prompt sources' needs, and the tile positions for a spatial decoder.</summary>
    public SlideInputParts Needs => encoder.Needs | (decoder.NeedsCoordinates ? SlideInputParts.Positions : SlideInputParts.None);

    /// <summary>Prompted last-block patch tokens: tiles (N, 3, T, T) 0..255 -> (N, n, d).</summary>
    public Tensor ForwardFeatures(SlideInput input) => encoder.Forward(input);

    /// <summary>Mean over the patch tokens: (N, n, d) -> (N, d).</summary>
    public static Tensor Pool(Tensor tokens) => tokens.mean([1]);

    /// <summary>
    /// One pooled token per tile: (N, 3, T, T) -> (N, d), differentiable w.r.t. the prompt sources and adaptors.
    /// </summary>
    public Tensor EncodeTiles(SlideInput input)
    {
        using var scope = NewDisposeScope();
        return Pool(ForwardFeatures(input)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pooled tile tokens (N, d) -> standardised -> K logits (K); <paramref name="positions"/> (N, 2) are the tiles'
    /// positions, which a spatial decoder needs (see <see cref="Bag.Coordinates"/>).
    /// </summary>
    public Tensor Decode(Tensor pooled, Tensor? positions = null)
    {
        using var scope = NewDisposeScope();
        var z = standardizer.forward(pooled.to(encoder.Vit.Device));
        return decoder.forward(new Bag(z, positions?.to(z.device))).MoveToOuterDisposeScope();
    }

    /// <summary>One WSI's input -> K logits (K).</summary>
    public Tensor Forward(SlideInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (decoder.NeedsCoordinates) input.Require(SlideInputParts.Positions, $"The {decoder.GetType().Name} decoder");
        using var scope = NewDisposeScope();
        return Decode(EncodeTiles(input), input.Positions).MoveToOuterDisposeScope();
    }

    /// <summary>Tiles of one WSI alone (a model whose sources and decoder read nothing else) -> K logits (K).</summary>
    public Tensor Forward(Tensor tiles) => Forward(new SlideInput(tiles));

    /// <summary>Tiles of one WSI alone -> K logits (K), as <see cref="Forward(Tensor)"/>.</summary>
    public override Tensor forward(Tensor tiles) => Forward(new SlideInput(tiles));

    /// <summary>
    /// The frozen encoder without prompts, mean-pooled: (N, 3, T, T) -> (N, d), computed without autograd. Equals
    /// <see cref="EncodeTiles"/> while Up is zero.
    /// </summary>
    public Tensor FrozenFeatures(Tensor tiles)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Pool(encoder.ForwardFrozen(tiles)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// How far the prompts move the decoder's input on <paramref name="input"/>'s tiles: the sum over tiles and features of the
    /// squared difference between the standardised prompted and prompt-free pooled tokens, and the number of terms, so
    /// that callers can pool several bags into one RMS (in units of the training split's SD per feature; 0 while Up
    /// is zero, about 1 when the prompts move the features as far as the features vary across tiles). No graph.
    /// </summary>
    public (double SumOfSquares, long Count) PromptShift(SlideInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var shift = standardizer.forward(EncodeTiles(input)) - standardizer.forward(FrozenFeatures(input.Tiles)); // (N, d)
        return (shift.square().sum().to(ScalarType.Float64).item<double>(), shift.numel());
    }

    /// <summary>The parameters that train: prompt sources, adaptors, Up and the decoder.</summary>
    public IEnumerable<Parameter> TrainableParameters() => parameters().Where(p => p.requires_grad);

    /// <summary>Trainable and frozen parameter counts per part.</summary>
    public ParameterReport CountParameters() => ParameterReport.Of(this);
}
