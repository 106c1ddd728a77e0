using TorchSharp;
using VPTSurv.Runtime;
using VPTSurv.Data;

namespace VPTSurv.Training;

/// <summary>
/// What <see cref="EndToEndTrainer"/> and <see cref="TwoStagePipeline"/> share: the validated preset, the options, the
/// default tile source.
/// </summary>
public abstract class TrainerBase
{
    private protected TrainerBase(Preset preset, TrainerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(preset);
        preset.Validate();
        Preset = preset;
        Options = options ?? TrainerOptions.Default;
    }

    /// <summary>The preset.</summary>
    public Preset Preset { get; }

    /// <summary>Files, tile source, checkpoint and log.</summary>
    public TrainerOptions Options { get; }

    private protected TrainingSettings S => Preset.Training;

    /// <summary>
    /// The run's training generator (the seed's "training" stream, on <see cref="TrainerOptions.Device"/>), attached to
    /// every dropout of <paramref name="model"/>: what training draws never touches torch's global generator.
    /// </summary>
    private protected torch.Generator TrainingRandom(torch.nn.Module model)
    {
        var random = RandomStreams.Generator(S.Seed, RandomStreams.Names.Training, Options.Device);
        RandomStreams.Attach(model, random);
        return random;
    }

    /// <summary>
    /// <see cref="TrainerOptions.Parallel"/>, or the single process; refuses the Cox memory bank across ranks (each rank's
    /// bank would hold other risks, so the ranks' steps would not add up to one process's).
    /// </summary>
    private protected IDataParallel Group()
    {
        var group = Options.Parallel ?? DataParallel.Single;
        if (group.Size > 1 && S.Loss == Survival.SurvivalLossKind.CoxMemoryBank)
            throw new NotSupportedException($"Data-parallel training ({group.Size} ranks) does not support training.loss = CoxMemoryBank: each rank's memory bank " +
                "would hold only its own bags' risks. Train it in one process, or use the discrete-time loss.");
        return group;
    }

    /// <summary>
    /// <see cref="TrainerOptions.Source"/> when set; else a <see cref="TilePoolSource"/> when the preset sets a pool (with
    /// the scale context whenever the preset's prompts use it, so that both pipelines share one tile cache), else a
    /// <see cref="LiveTileSource"/> (with the context only when <paramref name="liveContext"/>).
    /// </summary>
    private protected TileSource MakeSource(Cohort cohort, IReadOnlyList<SlideRecord> slides, bool liveContext, Action<SlideRecord, Exception>? onFailure = null)
    {
        if (Options.Source is { } make) return make(cohort, slides, Preset);
        if (S.TilePool is { } pool)
            return TilePoolSource.Build(cohort, slides, pool, S.TileSize, S.TargetMpp, Preset.Prompts.Needs.HasFlag(SlideInputParts.Context),
                Options.WorkDirectory is { } w ? Path.Combine(w, "tiles") : null, onFailure: onFailure);
        return new LiveTileSource(cohort, slides, S.TileSize, S.TargetMpp,
            new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: liveContext), onFailure: onFailure);
    }
}
