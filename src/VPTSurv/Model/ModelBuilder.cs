using TorchSharp;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Prompts;
using VPTSurv.Runtime;

namespace VPTSurv.Model;

/// <summary>
/// Builds an end-to-end model from parts, without a preset: a frozen encoder (a configuration with pretrained weights,
/// or a ViT you built and loaded yourself), the prompt sources and adaptors you choose, and any bag decoder.
/// </summary>
/// <example><code>
/// var model = ModelBuilder
///     .WithEncoder(Preset.Smoke.Encoder, ShippedWeights.Smoke)            // or any SamViTConfig / TimmViTConfig and checkpoint
///     .Prompts(PromptSources.Structure, width: 8)                         // tile prompt + structure prompt, one adaptor per block
///     .Decoder(width => new Abmil(new AbmilConfig(InputDim: width, HiddenDim: 32, AttentionDim: 16)))
///     .Seed(0)
///     .Build();
/// </code></example>
public sealed class ModelBuilder
{
    private readonly Func<ViTEncoder> _encoder;
    private readonly string? _weights;
    private readonly CheckpointLayout _layout;
    private Func<int, PromptConfig> _prompts = width => PromptConfig.ForWidth(width);
    private Func<int, BagDecoder> _decoder = width => new VPTSurvDecoder(DefaultDecoder(width));
    private long _seed;

    private ModelBuilder(Func<ViTEncoder> encoder, string? weights, CheckpointLayout layout)
    {
        _encoder = encoder;
        _weights = weights;
        _layout = layout;
    }

    /// <summary>
    /// Starts from an encoder configuration (<see cref="SamViTConfig"/>, <see cref="TimmViTConfig"/>) and, optionally, a
    /// checkpoint to load into it strictly (safetensors or .pth; SAM, timm and Hugging Face key layouts), given as a file
    /// path or as shipped weights' symbol (<see cref="ShippedWeights.Smoke"/>).
    /// </summary>
    public static ModelBuilder WithEncoder(EncoderConfig config, string? weights = null, CheckpointLayout layout = CheckpointLayout.Auto)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (weights is not null && !File.Exists(ShippedWeights.Resolve(weights)))
            throw new FileNotFoundException($"Encoder weights '{weights}' do not exist.", weights);
        return new ModelBuilder(config.Build, weights, layout);
    }

    /// <summary>Starts from a ViT you built (and loaded) yourself; it is frozen when the model is built.</summary>
    public static ModelBuilder WithEncoder(ViTEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return new ModelBuilder(() => encoder, null, CheckpointLayout.Auto);
    }

    /// <summary>
    /// Chooses the prompt sources besides the tile prompt (<see cref="PromptSources.None"/> is plain VPT) and the
    /// adaptors: prompt width r (default d / 32, at least 1), attention heads, τ of the structure prompt, and the
    /// number of patient covariates read by the tabular prompt; <paramref name="extra"/> names further sources of the
    /// <see cref="PromptSourceRegistry"/> (users' own).
    /// </summary>
    public ModelBuilder Prompts(PromptSources sources, int? width = null, int heads = 1, double tau = 0.25, int covariates = 0,
        IReadOnlyList<string>? extra = null)
    {
        _prompts = d => new PromptConfig(sources, width ?? Math.Max(1, d / 32), tau, heads, covariates, extra);
        return this;
    }

    /// <summary>Chooses the prompt sources and adaptors by a complete configuration.</summary>
    public ModelBuilder Prompts(PromptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _prompts = _ => config;
        return this;
    }

    /// <summary>Uses the VPTSurv survival decoder with <paramref name="config"/> (its InputDim must be the encoder width).</summary>
    public ModelBuilder Decoder(VPTSurvDecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _decoder = _ => new VPTSurvDecoder(config);
        return this;
    }

    /// <summary>
    /// Uses any bag decoder (ABMIL, TransMIL, DeepAttnMISL, the VPTSurv decoder or your own <see cref="BagDecoder"/>),
    /// made from the encoder width it reads. Decoders that need tile positions (PatchGCN, HVTSurv) train two-stage.
    /// </summary>
    public ModelBuilder Decoder(Func<int, BagDecoder> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        _decoder = make;
        return this;
    }

    /// <summary>Seed of the trainable parts' initial weights (default 0).</summary>
    public ModelBuilder Seed(long seed)
    {
        _seed = seed;
        return this;
    }

    /// <summary>
    /// Loads the native backend (with its error naming the missing package), builds the encoder and loads its weights,
    /// wraps it with the prompt sources and adaptors (frozen; Up zero, so the untrained model reproduces the frozen
    /// encoder), and adds the decoder. <paramref name="log"/> receives what was loaded.
    /// </summary>
    public VPTSurvModel Build(Action<string>? log = null)
    {
        NativeBackend.EnsureLoaded();
        // Each part draws from its own stream of (seed, part name), as Preset.BuildModel does: changing the prompt
        // sources leaves the decoder's and the adaptors' initial weights unchanged.
        var vit = RandomStreams.Build(_seed, RandomStreams.Names.Encoder, _encoder);
        if (_weights is not null)
        {
            var report = CheckpointLoader.Load(vit, _weights, _layout);
            log?.Invoke($"encoder weights: {report.Loaded} tensors from {_weights} ({report.Layout} layout, {report.Resized.Count} resized, {report.Dropped.Count} set aside)");
        }
        var prompts = _prompts(vit.Width);
        prompts.Validate();
        var encoder = new PromptedEncoder(vit, prompts, _seed);
        var decoder = RandomStreams.Build(_seed, RandomStreams.Names.Decoder, () => _decoder(vit.Width));
        var model = new VPTSurvModel(encoder, decoder);
        log?.Invoke($"model: {vit.GetType().Name} (d {vit.Width}, {vit.Depth} blocks, frozen), prompts {prompts.Sources} (r {prompts.Width}), decoder {model.BagDecoder.GetType().Name}");
        return model;
    }

    /// <summary>The default decoder for width <paramref name="width"/>: the VPTSurv decoder, 2 layers at the encoder's width, K = 4.</summary>
    private static VPTSurvDecoderConfig DefaultDecoder(int width)
    {
        int heads = new[] { 8, 4, 2, 1 }.First(h => width % h == 0);
        return new VPTSurvDecoderConfig(InputDim: width, Width: width, Layers: 2, Heads: heads, Bins: 4);
    }
}
