using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Model;
using VPTSurv.Pretraining;
using VPTSurv.Prompts;
using VPTSurv.Runtime;

namespace VPTSurv.Training;

/// <summary>
/// A named, complete setting: encoder (and its weights), prompt sources, decoder and training. Plain records, so
/// users copy and change them with <c>with</c>: <c>Preset.Cpu with { Prompts = Preset.Cpu.Prompts with { Sources = PromptSources.Structure } }</c>.
/// </summary>
/// <param name="Name">The preset's name.</param>
/// <param name="Encoder">The ViT encoder.</param>
/// <param name="EncoderWeights">Checkpoint to load into the encoder (safetensors or .pth), or null for random initialisation.</param>
/// <param name="WeightsLayout">Key layout of <paramref name="EncoderWeights"/>.</param>
/// <param name="Prompts">Prompt sources and adaptors.</param>
/// <param name="Decoder">The survival decoder.</param>
/// <param name="Training">Tiles, optimiser, epochs, bins, tile size, magnification and seed.</param>
public sealed record Preset(
    string Name,
    EncoderConfig Encoder,
    string? EncoderWeights,
    CheckpointLayout WeightsLayout,
    PromptConfig Prompts,
    VPTSurvDecoderConfig Decoder,
    TrainingSettings Training)
{
    /// <summary>
    /// The paper: SAM ViT-B (T 224, patch 16, global blocks 2/5/8/11), r 24, decoder 2 x 768 with K 4, 200 training
    /// and 1000 inference tiles, AdamW 5e-5 with cosine annealing, 15 epochs. Set <see cref="EncoderWeights"/> to
    /// SAM's released sam_vit_b checkpoint (the full SAM file is fine: the prompt encoder and mask decoder are set aside).
    /// </summary>
    public static Preset Paper { get; } = new(
        "paper",
        SamViTConfig.VitB(224),
        EncoderWeights: null,
        CheckpointLayout.Sam,
        new PromptConfig(PromptSources.StructureScale, Width: 24),
        new VPTSurvDecoderConfig(InputDim: 768, Width: 768, Layers: 2, Heads: 8, Bins: 4),
        new TrainingSettings(TilesPerStep: 200, InferenceTiles: 1000, LearningRate: 5e-5, WeightDecay: 1e-2, Epochs: 15,
            BagsPerStep: 1, Bins: 4, TileSize: 224, TargetMpp: 0.5, Seed: 0));

    /// <summary>
    /// A small SAM-style ViT that trains on two CPU cores in minutes: T 64, patch 8 (8x8 grid), width 96, 4 blocks,
    /// 3 heads, window 4 with global blocks 1 and 3, r 12 (d / 32 would be 3, too narrow), decoder 2 x 96,
    /// 16 training tiles and all 64 of the slide's pool at inference, 20 epochs; tiles from a cached pool of 64 per slide, and a fixed subset of
    /// the cohort (150 training, all validation and test slides) so a full demo runs in minutes. The encoder loads the
    /// shipped MAE-pretrained weights (<see cref="ShippedWeights.Cpu"/>, model card in src/VPTSurv/Weights); set
    /// <see cref="EncoderWeights"/> to use others.
    /// </summary>
    public static Preset Cpu { get; } = new(
        "cpu",
        new SamViTConfig
        {
            ImageSize = 64, PatchSize = 8, Width = 96, Depth = 4, Heads = 3, WindowSize = 4, GlobalBlocks = [1, 3],
            Normalization = PixelNormalization.Sam,
        },
        EncoderWeights: ShippedWeights.Cpu,
        CheckpointLayout.Sam,
        new PromptConfig(PromptSources.StructureScale, Width: 12, Heads: 2),
        new VPTSurvDecoderConfig(InputDim: 96, Width: 96, Layers: 2, Heads: 4, Bins: 4),
        new TrainingSettings(TilesPerStep: 16, InferenceTiles: 64, LearningRate: 2e-4, WeightDecay: 1e-2, Epochs: 20,
            BagsPerStep: 1, Bins: 4, TileSize: 64, TargetMpp: 1.0, Seed: 0)
        {
            // 64 candidate tiles per slide rendered once: training draws its 16 from them; validation and test read all
            // 64, as the two-stage features and the linear-probe reference row do, so every row is scored on the same tiles.
            // 20 epochs (3000 steps of one bag): with 5 the decoders under-fit. On synthetic-cd4, two-stage, seed 0, the
            // training C of the selected model was 0.643 after 5 epochs, 0.654 after 10 and 0.689 after 20 (test C 0.665 ->
            // 0.683 -> 0.718; the linear probe's 0.713, its training C 0.692, the true log-hazard's training-split C 0.738),
            // and neither a larger rate (5e-4, 1e-3 with warm-up), nor 8 bags per step, nor the Cox memory-bank loss
            // reached it in 10 (bench cpu-seeds with VPTSURV_EPOCHS / _LR / _BAGS_PER_STEP / _LOSS; bench/results/cpu-seeds*.json).
            // A 100-slide training subset learns nothing in 24 epochs: keep 150. The decoder-input standardisation
            // (Model/FeatureStandardization.cs) is what made the decoders learn at all (synthetic-cd8, two-stage, seed 0:
            // validation C 0.50-0.53 over 5 epochs without it, 0.65-0.69 with it).
            TilePool = 64,
            // A fixed patient-grouped subset of training slides (150 of 449/509), so that `vptsurv demo` (two-stage +
            // end-to-end) fits in about ten minutes on two cores; every validation slide (model selection and the
            // did-not-learn check need the whole split: at 40 slides the SE of C is about 0.06) and every test slide.
            Subset = new CohortSubset(Train: 150, Val: null, Test: null),
        });

    /// <summary>
    /// Seconds, for tests and CI: T 32, patch 8, width 32, 2 blocks (window 2, block 1 global), r 8, 8 tiles; the
    /// encoder loads the shipped MAE-pretrained weights (<see cref="ShippedWeights.Smoke"/>).
    /// </summary>
    public static Preset Smoke { get; } = new(
        "smoke",
        new SamViTConfig
        {
            ImageSize = 32, PatchSize = 8, Width = 32, Depth = 2, Heads = 2, WindowSize = 2, GlobalBlocks = [1],
            Normalization = PixelNormalization.Sam,
        },
        EncoderWeights: ShippedWeights.Smoke,
        CheckpointLayout.Sam,
        new PromptConfig(PromptSources.StructureScale, Width: 8),
        new VPTSurvDecoderConfig(InputDim: 32, Width: 32, Layers: 2, Heads: 2, Bins: 4),
        new TrainingSettings(TilesPerStep: 8, InferenceTiles: 16, LearningRate: 1e-3, WeightDecay: 1e-2, Epochs: 2,
            BagsPerStep: 1, Bins: 4, TileSize: 32, TargetMpp: 1.0, Seed: 0) { TilePool = 16 });

    /// <summary>The names accepted by <see cref="ByName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["paper", "cpu", "smoke"];

    /// <summary>The preset called <paramref name="name"/> (case-insensitive): paper, cpu or smoke.</summary>
    public static Preset ByName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "paper" => Paper,
        "cpu" => Cpu,
        "smoke" => Smoke,
        _ => throw new ArgumentException($"Unknown preset '{name}': expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The model part of the preset.</summary>
    public VPTSurvModelConfig Model => new(Encoder, Prompts, Decoder);

    /// <summary>Throws naming the fields unless the parts agree (tile size, bins, widths).</summary>
    public void Validate()
    {
        Model.Validate();
        Training.Validate();
        if (Training.TileSize != Encoder.ImageSize)
            throw new ArgumentException($"Preset '{Name}': Training.TileSize ({Training.TileSize}) must equal Encoder.ImageSize ({Encoder.ImageSize}).");
        if (Training.Bins != Decoder.Bins)
            throw new ArgumentException($"Preset '{Name}': Training.Bins ({Training.Bins}) must equal Decoder.Bins ({Decoder.Bins}).");
    }

    /// <summary>
    /// Builds the model, each component initialised from its own stream of <see cref="TrainingSettings.Seed"/> and its name
    /// (<see cref="RandomStreams"/>; torch's global generator is left as it was), and loads <see cref="EncoderWeights"/>
    /// (strictly) when set. The encoder is frozen, cast to <see cref="TrainingSettings.Precision"/> and set to
    /// <see cref="TrainingSettings.ActivationCheckpointing"/>; <paramref name="log"/> receives what was loaded. On the CPU;
    /// see the overload with a device.
    /// </summary>
    public VPTSurvModel BuildModel(Action<string>? log = null) => BuildModel(null, log);

    /// <summary>
    /// <see cref="BuildModel(Action{string})"/> with the registry's <paramref name="decoder"/> (sized for this preset,
    /// initialised from the seed's "decoder" stream) in place of the preset's VPTSurv decoder; null = the preset's. The
    /// model is built on the CPU (same weights whatever the device) and moved to <paramref name="device"/> (null = CPU).
    /// </summary>
    public VPTSurvModel BuildModel(DecoderEntry? decoder, Action<string>? log = null, torch.Device? device = null)
    {
        Validate();
        long seed = Training.Seed;
        var model = decoder is null ? new VPTSurvModel(Model, seed)
            : new VPTSurvModel(new PromptedEncoder(RandomStreams.Build(seed, RandomStreams.Names.Encoder, () => Model.Encoder.Build()), Model.Prompts, seed),
                RandomStreams.Build(seed, RandomStreams.Names.Decoder, () => decoder.Build(this)));
        if (EncoderWeights is not null)
        {
            var report = CheckpointLoader.Load(model.Backbone, EncoderWeights, WeightsLayout);
            model.Backbone.Freeze();
            log?.Invoke($"encoder weights: {report.Loaded} tensors from {EncoderWeights} ({report.Layout} layout, {report.Resized.Count} resized, {report.Dropped.Count} set aside)");
        }
        else
        {
            log?.Invoke($"encoder weights: none (preset '{Name}' uses random initialisation)");
        }
        if (Training.Precision != Precision.Float32)
        {
            model.Encoder.SetFrozenPrecision(Training.Precision.ToScalarType());
            log?.Invoke($"frozen encoder in {Training.Precision.ShortName()} (prompt sources, adaptors, decoder and loss in fp32)");
        }
        model.Encoder.GradCheckpointing = Training.ActivationCheckpointing;
        if (device is not null && device.type != DeviceType.CPU) model.to(device);
        return model;
    }
}
