using System.Text.Json.Serialization;
using VPTSurv.Data;

namespace VPTSurv.Training;

/// <summary>How a preset trains and evaluates.</summary>
/// <param name="TilesPerStep">Tiles sampled per WSI per training step (the paper: 200).</param>
/// <param name="InferenceTiles">Tiles per WSI at validation and test (the paper: 1000).</param>
/// <param name="LearningRate">AdamW learning rate (the paper: 5e-5), annealed by a cosine schedule.</param>
/// <param name="WeightDecay">AdamW weight decay on matrices (norms and biases get none).</param>
/// <param name="Epochs">Training epochs (the paper: 15); the best epoch is chosen on validation C-index.</param>
/// <param name="BagsPerStep">WSIs per optimiser step (the paper: 1).</param>
/// <param name="Bins">Time bins K (must equal the decoder's Bins).</param>
/// <param name="TileSize">Tile side T in pixels (must equal the encoder's ImageSize).</param>
/// <param name="TargetMpp">Microns per pixel at which tiles are read.</param>
/// <param name="Seed">The one seed driving initialisation, tile sampling and data order.</param>
public sealed record TrainingSettings(
    int TilesPerStep,
    int InferenceTiles,
    double LearningRate,
    double WeightDecay,
    int Epochs,
    int BagsPerStep,
    int Bins,
    int TileSize,
    double TargetMpp,
    int Seed)
{
    /// <summary>
    /// Candidate tiles per slide read once, cached on disk (content-keyed) and kept in memory; training samples its N
    /// tiles from them and inference takes up to <see cref="InferenceTiles"/> of them. Null: every bag is read from the
    /// slide itself (the paper's setting, for real WSIs whose tiles do not fit in memory).
    /// </summary>
    public int? TilePool { get; init; }

    /// <summary>Tiles per encoder chunk for inference, feature extraction and the gradient-caching re-run.</summary>
    public int MicroBatch { get; init; } = 64;

    /// <summary>Training loss (config key <c>training.loss</c>) of both pipelines: the paper's discrete-time NLL, or the
    /// memory-bank Cox loss (its bank is saved in the training checkpoint, so a resumed run continues exactly).</summary>
    public VPTSurv.Survival.SurvivalLossKind Loss { get; init; } = VPTSurv.Survival.SurvivalLossKind.DiscreteTimeNll;

    /// <summary>Past subjects kept in the Cox memory bank when <see cref="Loss"/> is the Cox loss.</summary>
    public int CoxMemory { get; init; } = 256;

    /// <summary>
    /// Gradient caching: forward all N tiles without a graph, decoder and loss with a graph on the pooled tokens, then
    /// re-run the encoder on <see cref="MicroBatch"/>-tile chunks with a graph and backpropagate each chunk's token
    /// gradients. Same gradients as the plain step; peak memory set by the micro-batch, not by N.
    /// </summary>
    public bool GradientCaching { get; init; }

    /// <summary>
    /// Activation checkpointing: while a graph is built (the plain step, the gradient-caching re-run), each block of
    /// the frozen ViT keeps only its input and its adaptor's output (width r) and is recomputed during backward, so the
    /// encoder's activation memory is about one token state per block plus one block's activations, instead of every
    /// block's. Same gradients; about one more encoder forward per step.
    /// </summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>
    /// Number format of the frozen encoder's weights and activations (config: <c>"fp32"</c> or <c>"bf16"</c>); the
    /// trainable parts, the loss and the optimiser state stay float32.
    /// </summary>
    [JsonConverter(typeof(PrecisionJsonConverter))]
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>
    /// Epochs of linear learning-rate warm-up before the cosine decay (fractions allowed; 0 = none, the paper's setting).
    /// Warm-up keeps the first steps of a freshly initialised decoder from overshooting on a batch of one bag.
    /// </summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Early stopping: stop after this many epochs without a better validation C-index; null = run every epoch.</summary>
    public int? Patience { get; init; }

    /// <summary>Which part of the cohort is used (all of it when null); for CPU runs of the full-size synthetic cohorts.</summary>
    public CohortSubset? Subset { get; init; }

    /// <summary>Throws naming the field unless every value is usable.</summary>
    public void Validate()
    {
        if (TilesPerStep <= 0) throw new ArgumentException($"TrainingSettings: TilesPerStep must be positive, got {TilesPerStep}.");
        if (InferenceTiles <= 0) throw new ArgumentException($"TrainingSettings: InferenceTiles must be positive, got {InferenceTiles}.");
        if (!(LearningRate > 0)) throw new ArgumentException($"TrainingSettings: LearningRate must be positive, got {LearningRate}.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"TrainingSettings: WeightDecay must be >= 0, got {WeightDecay}.");
        if (Epochs <= 0) throw new ArgumentException($"TrainingSettings: Epochs must be positive, got {Epochs}.");
        if (BagsPerStep <= 0) throw new ArgumentException($"TrainingSettings: BagsPerStep must be positive, got {BagsPerStep}.");
        if (Bins <= 0) throw new ArgumentException($"TrainingSettings: Bins must be positive, got {Bins}.");
        if (TileSize <= 0) throw new ArgumentException($"TrainingSettings: TileSize must be positive, got {TileSize}.");
        if (!(TargetMpp > 0)) throw new ArgumentException($"TrainingSettings: TargetMpp must be positive, got {TargetMpp}.");
        if (TilePool is <= 0) throw new ArgumentException($"TrainingSettings: TilePool must be positive or null, got {TilePool}.");
        if (MicroBatch <= 0) throw new ArgumentException($"TrainingSettings: MicroBatch must be positive, got {MicroBatch}.");
        if (!(WarmupEpochs >= 0) || WarmupEpochs > Epochs) throw new ArgumentException($"TrainingSettings: WarmupEpochs must be in [0, Epochs], got {WarmupEpochs}.");
        if (!Enum.IsDefined(Loss)) throw new ArgumentException($"TrainingSettings: Loss must be DiscreteTimeNll or CoxMemoryBank, got {(int)Loss}.");
        if (CoxMemory <= 0) throw new ArgumentException($"TrainingSettings: CoxMemory must be positive, got {CoxMemory}.");
        if (Patience is <= 0) throw new ArgumentException($"TrainingSettings: Patience must be positive or null, got {Patience}.");
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"TrainingSettings: Precision must be Float32 or BFloat16, got {(int)Precision}.");
        Subset?.Validate();
    }
}
