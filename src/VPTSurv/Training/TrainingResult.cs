using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Model;
using VPTSurv.Survival;

namespace VPTSurv.Training;

/// <summary>
/// A finished run: the model at its best validation epoch, the time bins, the untrained (epoch 0) and per-epoch
/// training and validation C, the did-not-learn verdict, and predictions and evaluation reports per split (test at
/// the preset's inference tile count; every report carries the training curve and the verdict).
/// </summary>
public sealed class TrainingResult : IDisposable
{
    private readonly Func<IReadOnlyList<SlideRecord>, IReadOnlyList<double[]>> _predict;
    private readonly Dictionary<Split, IReadOnlyList<SlidePrediction>> _predictions = [];
    private readonly IDisposable? _resources;
    private readonly Lazy<string> _encoderHash;

    internal TrainingResult(string method, Preset preset, Cohort cohort, EpochLoop loop, bool completed,
        Func<IReadOnlyList<SlideRecord>, IReadOnlyList<double[]>> predict, VPTSurvModel? model, BagDecoder? decoder, IDisposable? resources,
        Func<string> encoderHash)
    {
        _encoderHash = new Lazy<string>(encoderHash);
        Method = method; Preset = preset; Cohort = cohort; Bins = loop.Bins; History = [.. loop.History]; BestEpoch = loop.BestEpoch;
        BestValidationC = loop.BestC; Completed = completed; _predict = predict; Model = model; Decoder = decoder; _resources = resources;
        Untrained = loop.Untrained ?? new EpochRecord(0, double.NaN, double.NaN, 0, 0);
        Learning = loop.Learning ?? LearningCheck.Assess([], [], Untrained.ValidationC, loop.BestC);
        Standardization = loop.Standardization;
        SelectedTrainC = loop.SelectedTrainC;
    }

    /// <summary>"end-to-end" or "two-stage".</summary>
    public string Method { get; }

    /// <summary>The preset the run used.</summary>
    public Preset Preset { get; }

    /// <summary>The cohort the run used (after <see cref="TrainingSettings.Subset"/>).</summary>
    public Cohort Cohort { get; }

    /// <summary>Time bins fitted on the training split.</summary>
    public TimeBins Bins { get; }

    /// <summary>Finished epochs.</summary>
    public IReadOnlyList<EpochRecord> History { get; }

    /// <summary>The epoch whose weights the model holds (best validation C).</summary>
    public int BestEpoch { get; }

    /// <summary>Its validation C.</summary>
    public double BestValidationC { get; }

    /// <summary>The untrained model (epoch 0): its training C (<see cref="EpochRecord.TrainC"/>) and validation C.</summary>
    public EpochRecord Untrained { get; }

    /// <summary>Whether the run learned (best validation C against the untrained one, with the margin and the reason).</summary>
    public LearningCheck Learning { get; }

    /// <summary>True when the run did not learn (<see cref="LearningCheck"/>): its numbers are not a result.</summary>
    public bool DidNotLearn => Learning.DidNotLearn;

    /// <summary>The decoder-input standardisation fitted on the training split (also held by the end-to-end model).</summary>
    public FeatureStandardization? Standardization { get; }

    /// <summary>The tabular prompt's covariate standardisation fitted on the training split (null without a tabular prompt).</summary>
    public CovariateStandardization? Covariates { get; init; }

    /// <summary>Training C of the selected model, predicted as validation is (NaN when the run was paused).</summary>
    public double SelectedTrainC { get; }

    /// <summary>Epoch 0, then every finished epoch, with the verdict: what every report carries.</summary>
    public TrainingCurve Curve => new(Method, Untrained, History, BestEpoch, BestValidationC, Learning) { SelectedTrainC = SelectedTrainC, PromptShift = PromptShift };

    /// <summary>End to end: how far the selected model's prompts move the decoder's input (<see cref="TrainingCurve.PromptShift"/>); NaN for two-stage.</summary>
    public double PromptShift { get; init; } = double.NaN;

    /// <summary>False when the run stopped early on request (<see cref="TrainerOptions.StopAfterEpoch"/>); then the model holds the last epoch's weights.</summary>
    public bool Completed { get; }

    /// <summary>The end-to-end model (null for two-stage).</summary>
    public VPTSurvModel? Model { get; }

    /// <summary>The two-stage decoder (null for end-to-end).</summary>
    public BagDecoder? Decoder { get; }

    /// <summary>SHA-256 of the frozen encoder's weights the model was trained on (<see cref="PresetJson.WeightsHash"/>).</summary>
    public string EncoderHash => _encoderHash.Value;

    /// <summary>
    /// Saves the trained model to one self-describing file (<see cref="ModelFile"/>): its trainable weights with the
    /// preset, decoder name, time bins and feature standardisation; <see cref="ModelFile.Load"/> reads it back.
    /// </summary>
    public void Save(string path, bool overwrite = false) => ModelFile.Save(this, path, overwrite);

    /// <summary>Predictions for every slide of <paramref name="split"/> (computed once, then cached).</summary>
    public IReadOnlyList<SlidePrediction> Predict(Split split)
    {
        if (_predictions.TryGetValue(split, out var cached)) return cached;
        var slides = Cohort.SlidesIn(split).ToList();
        if (slides.Count == 0) throw new InvalidOperationException($"Cohort '{Cohort.Name}' has no slide in the {split.ToManifest()} split.");
        var result = SlidePredictions.Of(slides, split, _predict(slides));
        _predictions[split] = result;
        return result;
    }

    /// <summary>Releases the tile source and the model.</summary>
    public void Dispose()
    {
        _resources?.Dispose();
        Model?.Dispose();
        Decoder?.Dispose();
    }
}
