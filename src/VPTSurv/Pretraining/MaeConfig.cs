using VPTSurv.Encoders;

namespace VPTSurv.Pretraining;

/// <summary>
/// Masked-autoencoder pretraining (He et al. 2022) of a ViT encoder: which encoder, the light decoder, the masking,
/// the optimiser and schedule, the tile pool and where results go. <see cref="Cpu"/> and <see cref="Smoke"/> produce
/// the weights shipped with the Cpu and Smoke presets; copy one with <c>with</c> to pretrain any SAM-style or
/// timm-style encoder on other tiles.
/// </summary>
public sealed record MaeConfig
{
    /// <summary>The encoder to pretrain (any <see cref="SamViTConfig"/> or <see cref="TimmViTConfig"/>).</summary>
    public required EncoderConfig Encoder { get; init; }

    /// <summary>Share of patch tokens hidden from the encoder (MAE: 0.75).</summary>
    public double MaskRatio { get; init; } = 0.75;

    /// <summary>Decoder token width (MAE keeps it well below the encoder's on large models; here it is light too).</summary>
    public int DecoderWidth { get; init; } = 64;

    /// <summary>Decoder Transformer blocks.</summary>
    public int DecoderDepth { get; init; } = 2;

    /// <summary>Decoder attention heads.</summary>
    public int DecoderHeads { get; init; } = 4;

    /// <summary>
    /// Added to each target patch's pixel variance before dividing by its square root (MAE's normalised-pixel loss,
    /// in units of the encoder-normalised image). He et al. use 1e-6; glass in a slide is a flat patch plus camera
    /// noise (variance about 1e-3 here), which 1e-6 would blow up into an unpredictable target, so the default is 1e-2.
    /// </summary>
    public double TargetNormEps { get; init; } = 1e-2;

    /// <summary>Tiles per optimiser step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Optimiser steps in total.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>
    /// Stop after this many steps without changing the schedule (for checking that a rerun repeats the start of a
    /// curve, or for splitting a run across sessions with <see cref="Resume"/>); null runs all <see cref="Steps"/>.
    /// </summary>
    public int? StopAfter { get; init; }

    /// <summary>Steps of linear learning-rate warm-up from 0 before the cosine decay.</summary>
    public int WarmupSteps { get; init; } = 50;

    /// <summary>Peak learning rate (after warm-up).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>AdamW decoupled weight decay, applied to weight matrices only (not biases, norms, position tables or tokens).</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>AdamW β1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β2 (MAE: 0.95).</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>One seed for initialisation, the pool, batches, augmentation and masks.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// libtorch intra-op threads for the run, or null to keep the process setting. On a busy machine one thread is
    /// several times faster than two (idle worker threads spin); the loss curve is reproduced exactly only at the same count.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Where the tiles come from (default: synthetic pretraining slides outside every cohort).</summary>
    public MaeTileSource Tiles { get; init; } = MaeTileSource.Synthetic();

    /// <summary>Save a resumable checkpoint every this many steps (0: only at the end when <see cref="CheckpointPath"/> is set).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Checkpoint file prefix (e.g. <c>runs/mae-cpu/ckpt</c>), or null for no checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from the checkpoint at <see cref="CheckpointPath"/> when one exists.</summary>
    public bool Resume { get; init; }

    /// <summary>Where the pretrained encoder weights are written (safetensors, the encoder's own state keys), or null.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Replace an existing <see cref="OutputPath"/> (never done unless asked).</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// The Cpu preset's encoder (SAM-style, T 64, patch 8, d 96, 4 blocks, 3 heads, window 4, global 1 and 3):
    /// 400 steps of 128 tiles (51,200 tile views) from 48 pretraining slides (6144 tiles), one libtorch thread:
    /// about 10 minutes on one free core, 20–30 on a two-core machine shared with other work.
    /// </summary>
    public static MaeConfig Cpu { get; } = new()
    {
        // The same encoder as Training.Preset.Cpu (a test guards that they stay equal); the preset refers to the
        // weights this produces, so this setting does not refer back to the preset.
        Encoder = new SamViTConfig
        {
            ImageSize = 64, PatchSize = 8, Width = 96, Depth = 4, Heads = 3, WindowSize = 4, GlobalBlocks = [1, 3],
            Normalization = PixelNormalization.Sam,
        },
        DecoderWidth = 64, DecoderDepth = 2, DecoderHeads = 4,
        BatchSize = 128, Steps = 400, WarmupSteps = 20, LearningRate = 1e-3, Threads = 1,
        Tiles = MaeTileSource.Synthetic(slides: 48, tilesPerSlide: 128, tileSize: 64, micronsPerPixel: 1.0),
    };

    /// <summary>The Smoke preset's encoder (T 32, patch 8, d 32, 2 blocks): 300 steps of 64 tiles, about a minute.</summary>
    public static MaeConfig Smoke { get; } = new()
    {
        Encoder = new SamViTConfig
        {
            ImageSize = 32, PatchSize = 8, Width = 32, Depth = 2, Heads = 2, WindowSize = 2, GlobalBlocks = [1],
            Normalization = PixelNormalization.Sam,
        },
        DecoderWidth = 32, DecoderDepth = 1, DecoderHeads = 2,
        BatchSize = 64, Steps = 300, WarmupSteps = 20, LearningRate = 2e-3, Threads = 1,
        Tiles = MaeTileSource.Synthetic(slides: 16, tilesPerSlide: 64, tileSize: 32, micronsPerPixel: 1.0),
    };

    /// <summary>The names accepted by <see cref="ByName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", "smoke"];

    /// <summary>The pretraining setting for the preset called <paramref name="name"/>: cpu or smoke.</summary>
    public static MaeConfig ByName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => Cpu,
        "smoke" => Smoke,
        _ => throw new ArgumentException(
            $"No encoder pretraining setting for preset '{name}': expected one of {string.Join(", ", Names)} (the paper preset uses SAM's released ViT-B).",
            nameof(name)),
    };

    /// <summary>Patch tokens the encoder sees per tile: n · (1 − mask ratio), at least one.</summary>
    public int VisibleTokens => Math.Max(1, (int)(Encoder.TokensPerTile * (1 - MaskRatio)));

    /// <summary>Throws naming the field unless the setting can run.</summary>
    public void Validate()
    {
        Encoder.Validate();
        if (!(MaskRatio >= 0 && MaskRatio < 1))
            throw new ArgumentException($"MaeConfig.MaskRatio must be in [0, 1), got {MaskRatio}.");
        if (VisibleTokens >= Encoder.TokensPerTile && MaskRatio > 0)
            throw new ArgumentException($"MaeConfig.MaskRatio {MaskRatio} masks no token of a {Encoder.GridSize}x{Encoder.GridSize} grid.");
        if (DecoderWidth <= 0 || DecoderHeads <= 0 || DecoderWidth % DecoderHeads != 0)
            throw new ArgumentException($"MaeConfig.DecoderWidth ({DecoderWidth}) must be a positive multiple of DecoderHeads ({DecoderHeads}).");
        if (DecoderDepth <= 0)
            throw new ArgumentException($"MaeConfig.DecoderDepth must be positive, got {DecoderDepth}.");
        if (!(TargetNormEps > 0))
            throw new ArgumentException($"MaeConfig.TargetNormEps must be positive, got {TargetNormEps}.");
        if (BatchSize <= 0) throw new ArgumentException($"MaeConfig.BatchSize must be positive, got {BatchSize}.");
        if (Steps <= 0) throw new ArgumentException($"MaeConfig.Steps must be positive, got {Steps}.");
        if (WarmupSteps < 0 || WarmupSteps > Steps)
            throw new ArgumentException($"MaeConfig.WarmupSteps must be in 0..Steps ({Steps}), got {WarmupSteps}.");
        if (!(LearningRate > 0) || !(MinLearningRate >= 0) || MinLearningRate > LearningRate)
            throw new ArgumentException($"MaeConfig: need 0 <= MinLearningRate ({MinLearningRate}) <= LearningRate ({LearningRate}), LearningRate > 0.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"MaeConfig.WeightDecay must be >= 0, got {WeightDecay}.");
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
            throw new ArgumentException($"MaeConfig: Beta1 ({Beta1}) and Beta2 ({Beta2}) must be in [0, 1).");
        if (StopAfter is int stop && (stop <= 0 || stop > Steps))
            throw new ArgumentException($"MaeConfig.StopAfter must be in 1..Steps ({Steps}), got {stop}.");
        if (Threads is int th && th <= 0) throw new ArgumentException($"MaeConfig.Threads must be positive when set, got {th}.");
        if (CheckpointEvery < 0) throw new ArgumentException($"MaeConfig.CheckpointEvery must be >= 0, got {CheckpointEvery}.");
        if (Resume && CheckpointPath is null)
            throw new ArgumentException("MaeConfig.Resume needs a CheckpointPath.");
        if (Tiles.TileSize != Encoder.ImageSize)
            throw new ArgumentException($"MaeConfig: Tiles.TileSize ({Tiles.TileSize}) must equal Encoder.ImageSize ({Encoder.ImageSize}).");
        Tiles.Validate();
    }
}
