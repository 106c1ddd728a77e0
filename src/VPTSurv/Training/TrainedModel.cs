using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Model;
using VPTSurv.Survival;
using static TorchSharp.torch;
using Bag = VPTSurv.Decoders.Bag;

namespace VPTSurv.Training;

/// <summary>
/// A trained model read back from its file (<see cref="ModelFile.Load"/>): the preset, the decoder's registry entry,
/// the time bins, the feature standardisation, and the weights in eval mode — a two-stage decoder, or an end-to-end
/// <see cref="VPTSurvModel"/>. <see cref="Predict(Cohort, Split, TrainerOptions?, IProgress{TrainingProgress}?)"/> runs
/// the same prediction code as <see cref="TrainingResult.Predict"/>, so a reloaded model predicts what the trained one did.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    /// <summary>The method of a frozen-feature model.</summary>
    public const string TwoStage = "two-stage";

    /// <summary>The method of a visual-prompt-tuned model.</summary>
    public const string EndToEnd = "end-to-end";

    private readonly BagDecoder? _decoder;

    private TrainedModel(string method, Preset preset, DecoderEntry decoder, TimeBins bins, FeatureStandardization standardization,
        string encoderHash, BagDecoder? twoStage, VPTSurvModel? model)
    {
        Method = method; Preset = preset; Decoder = decoder; Bins = bins; Standardization = standardization; EncoderHash = encoderHash;
        _decoder = twoStage; Model = model;
    }

    /// <summary><see cref="TwoStage"/> or <see cref="EndToEnd"/>.</summary>
    public string Method { get; }

    /// <summary>The preset the model was trained with.</summary>
    public Preset Preset { get; }

    /// <summary>The decoder's registry entry.</summary>
    public DecoderEntry Decoder { get; }

    /// <summary>The time bins fitted on the training split.</summary>
    public TimeBins Bins { get; }

    /// <summary>The decoder-input standardisation fitted on the training split.</summary>
    public FeatureStandardization Standardization { get; }

    /// <summary>The tabular prompt's covariate standardisation, fitted on the training split (null without one).</summary>
    public CovariateStandardization? Covariates { get; private init; }

    /// <summary>SHA-256 of the frozen encoder's weights the model was trained on.</summary>
    public string EncoderHash { get; }

    /// <summary>The end-to-end model (null for two-stage).</summary>
    public VPTSurvModel? Model { get; }

    /// <summary>The decoder (for end to end, the model's).</summary>
    public BagDecoder BagDecoder => Model?.BagDecoder ?? _decoder!;

    /// <summary>
    /// K logits of a bag of pooled tile tokens (N, d) as the encoder gives them — two-stage: the frozen encoder's
    /// features; end to end: the prompted tokens (<see cref="VPTSurvModel.EncodeTiles"/>) — standardised, then decoded.
    /// </summary>
    public double[] Logits(Bag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        if (Model is { } model)
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return model.Decode(bag.Features, bag.Coordinates).to(ScalarType.Float64, CPU).data<double>().ToArray();
        }
        using var standardized = Standardization.Apply(bag.Features);
        return TwoStagePipeline.DecodeLogits(_decoder!, bag with { Features = standardized });
    }

    /// <summary>The risk (−Σ_k S_k, higher = worse) of <see cref="Logits"/>.</summary>
    public double Risk(Bag bag) => DiscreteTimeHead.RiskOf(Logits(bag));

    /// <summary>
    /// Predictions for every slide of <paramref name="split"/> of <paramref name="cohort"/> (after the preset's subset):
    /// two-stage extracts (or reads cached) frozen features of all of each slide's tiles, end to end encodes the preset's
    /// inference tiles through the prompts; <paramref name="options"/> gives the work folder (feature and tile caches)
    /// and the tile source, as in training.
    /// </summary>
    /// <exception cref="InvalidOperationException">The split is empty, a slide's features could not be extracted (the message names it), or the features come from another encoder.</exception>
    public IReadOnlyList<SlidePrediction> Predict(Cohort cohort, Split split, TrainerOptions? options = null, IProgress<TrainingProgress>? progress = null) =>
        Predict(cohort, [split], options, progress)[split];

    /// <summary>
    /// <see cref="Predict(Cohort, Split, TrainerOptions?, IProgress{TrainingProgress}?)"/> for several splits at once:
    /// one tile source and one feature extraction for all their slides.
    /// </summary>
    public IReadOnlyDictionary<Split, IReadOnlyList<SlidePrediction>> Predict(Cohort cohort, IReadOnlyCollection<Split> splits, TrainerOptions? options = null,
        IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(splits);
        var used = Preset.Training.Subset?.Apply(cohort) ?? cohort;
        var bySplit = splits.Distinct().ToDictionary(s => s, s => (IReadOnlyList<SlideRecord>)[.. used.SlidesIn(s)]);
        foreach (var (split, slides) in bySplit)
            if (slides.Count == 0) throw new InvalidOperationException($"Cohort '{used.Name}' has no slide in the {split.ToManifest()} split.");
        List<SlideRecord> all = [.. bySplit.Values.SelectMany(s => s)];
        var logits = SlideLogits(used, all, options, progress);
        int next = 0;
        var result = new Dictionary<Split, IReadOnlyList<SlidePrediction>>();
        foreach (var (split, slides) in bySplit)
        {
            result[split] = SlidePredictions.Of(slides, split, [.. logits.Skip(next).Take(slides.Count)]);
            next += slides.Count;
        }
        return result;
    }

    // K logits of each slide, by the trainers' own prediction code.
    private IReadOnlyList<double[]> SlideLogits(Cohort used, IReadOnlyList<SlideRecord> slides, TrainerOptions? options, IProgress<TrainingProgress>? progress)
    {
        if (Model is { } model) return new EndToEndTrainer(Preset, options).Predict(model, used, slides, Covariates);
        var pipeline = new TwoStagePipeline(Preset, options);
        using var cache = FeatureCache.ForRun(pipeline.Options.WorkDirectory);
        using var set = pipeline.Extract(used, slides, cache, progress);
        if (set.Failed.Count > 0)
            throw new InvalidOperationException($"Features failed for {set.Failed.Count} slide(s), e.g. '{set.Failed[0].SlideId}': {set.Failed[0].Error}{cache.FailureHint}.");
        if (set.EncoderHash != EncoderHash)
            throw new InvalidOperationException($"The preset's encoder weights (hash {set.EncoderHash}) are not those the model was trained on ({EncoderHash}).");
        using var features = set.Standardized(Standardization);
        return [.. slides.Select(s => TwoStagePipeline.DecodeLogits(_decoder!, features.BagOf(s.SlideId)))];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Model?.Dispose();
        _decoder?.Dispose();
    }

    internal static TrainedModel TwoStageFrom(string path, Preset preset, DecoderEntry entry, TimeBins bins, FeatureStandardization standardization,
        string encoderHash, IReadOnlyDictionary<string, Tensor> weights, Device? device)
    {
        var decoder = entry.Build(preset);
        try
        {
            TrainingCheckpoint.LoadTrainable(path, decoder, weights);
            if (device is not null && device.type != TorchSharp.DeviceType.CPU) decoder.to(device);
            decoder.eval();
            return new TrainedModel(TwoStage, preset, entry, bins, standardization, encoderHash, decoder, null);
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    internal static TrainedModel EndToEndFrom(string path, Preset preset, DecoderEntry entry, TimeBins bins, FeatureStandardization standardization,
        CovariateStandardization? covariates, string encoderHash, IReadOnlyDictionary<string, Tensor> weights, Action<string>? log, Device? device)
    {
        var model = preset.BuildModel(entry, log, device);
        try
        {
            var hash = PresetJson.WeightsHash(model.Backbone);
            if (hash != encoderHash)
                throw new CheckpointFormatException(path, $"key '{ModelFile.Keys.EncoderHash}': the preset's encoder weights '{preset.EncoderWeights}' " +
                    $"(hash {hash}) are not those the model was trained on ({encoderHash}).");
            TrainingCheckpoint.LoadTrainable(path, model, weights);
            model.Standardizer.Set(standardization);
            model.eval();
            return new TrainedModel(EndToEnd, preset, entry, bins, standardization, encoderHash, null, model) { Covariates = covariates };
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
