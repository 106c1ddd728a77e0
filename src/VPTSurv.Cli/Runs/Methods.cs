using VPTSurv.Cli.Configuration;
using VPTSurv.Data;
using VPTSurv.Training;

namespace VPTSurv.Cli.Runs;

/// <summary>The training methods the tool runs, by the names tables and files use.</summary>
public static class Methods
{
    /// <summary>Frozen encoder features, then a bag decoder trained on them.</summary>
    public const string TwoStage = "two-stage";

    /// <summary>Visual prompt tuning through the frozen encoder, trained with the decoder end to end.</summary>
    public const string EndToEnd = "end-to-end";

    /// <summary>Both names.</summary>
    public static IReadOnlyList<string> All { get; } = [TwoStage, EndToEnd];

    /// <summary>Trains <paramref name="method"/> on <paramref name="cohort"/> and evaluates its test split.</summary>
    public static MethodRun Train(string method, RunConfig config, Cohort cohort, string cache, IProgress<TrainingProgress> progress,
        Action<string> log, CancellationToken ct, string? checkpoint = null) => method switch
    {
        EndToEnd => MethodRun.Train(EndToEnd,
            $"VPTSurv end to end: frozen {config.Preset.Encoder.GetType().Name} with {config.Preset.Prompts.Sources} prompts, VPTSurv decoder",
            () => new EndToEndTrainer(config.Preset, new TrainerOptions { WorkDirectory = cache, CheckpointPath = checkpoint, Log = log })
                .Fit(cohort, progress, ct),
            config.Evaluation),
        TwoStage => MethodRun.Train(TwoStage,
            $"two-stage: frozen {config.Preset.Encoder.GetType().Name} features of every tile, {BagDecoders.Describe(config.BagDecoder)} trained on them",
            () => new TwoStagePipeline(config.Preset, new TrainerOptions { WorkDirectory = cache, Log = log })
                .Fit(cohort, BagDecoders.For(config.BagDecoder, config.Preset), progress, ct),
            config.Evaluation),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"expected one of {string.Join(", ", All)}"),
    };
}
