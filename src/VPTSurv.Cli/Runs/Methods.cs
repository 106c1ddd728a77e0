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
        Action<string> log, CancellationToken ct, string? checkpoint = null, TorchSharp.torch.Device? device = null) =>
        MethodRun.Train(method, Describe(method, config),
            () => Fit(method, config, cohort, new TrainerOptions { WorkDirectory = cache, CheckpointPath = checkpoint, Log = log, Device = device }, null, progress, ct),
            config.Evaluation);

    /// <summary>What <paramref name="method"/> trains under <paramref name="config"/>, in words (the report's description).</summary>
    public static string Describe(string method, RunConfig config) => method switch
    {
        EndToEnd => $"VPTSurv end to end: frozen {config.Preset.Encoder.GetType().Name} with {config.Preset.Prompts.Sources} prompts, {DecoderRegistry.Get(config.BagDecoder).DisplayName}",
        TwoStage => $"two-stage: frozen {config.Preset.Encoder.GetType().Name} features of every tile, {DecoderRegistry.Get(config.BagDecoder).DisplayName} trained on them",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"expected one of {string.Join(", ", All)}"),
    };

    /// <summary>
    /// Trains <paramref name="method"/> with <paramref name="options"/> (the two-stage decoder is the config's
    /// <c>bagDecoder</c>); with <paramref name="resume"/>, continues that checkpoint instead of starting afresh.
    /// </summary>
    public static TrainingResult Fit(string method, RunConfig config, Cohort cohort, TrainerOptions options, string? resume,
        IProgress<TrainingProgress> progress, CancellationToken ct) => method switch
    {
        EndToEnd when resume is null => EndToEndTrainerOf(config, options).Fit(cohort, progress, ct),
        EndToEnd => EndToEndTrainerOf(config, options).Resume(resume, cohort, progress, ct),
        // The config's preset already holds the decoder's training defaults (RunConfig), under the user's own settings.
        TwoStage when resume is null => new TwoStagePipeline(config.Preset, options).Fit(cohort, DecoderOf(config), progress, ct),
        TwoStage => new TwoStagePipeline(config.Preset, options).Resume(resume, cohort, DecoderOf(config), progress, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"expected one of {string.Join(", ", All)}"),
    };

    /// <summary>
    /// The end-to-end trainer of the config's <c>bagDecoder</c> (the preset's VPTSurv decoder by default). The config's
    /// preset already holds the decoder's training defaults under the user's own settings, so the entry's own are not
    /// applied again.
    /// </summary>
    public static EndToEndTrainer EndToEndTrainerOf(RunConfig config, TrainerOptions options)
    {
        var entry = DecoderRegistry.Get(config.BagDecoder);
        return entry.Type == typeof(Decoders.VPTSurvDecoder)
            ? new EndToEndTrainer(config.Preset, options)
            : new EndToEndTrainer(config.Preset, entry, options, decoderDefaults: false);
    }

    private static Func<Decoders.BagDecoder> DecoderOf(RunConfig config)
    {
        var entry = DecoderRegistry.Get(config.BagDecoder);
        return () => entry.Build(config.Preset);
    }
}
