using System.Text.Json.Nodes;

namespace VPTSurv.Training;

/// <summary>
/// What a trained model's numbers are worth: the untrained model's training and validation C (epoch 0), training and
/// validation C of every epoch, the selected epoch, and the did-not-learn verdict. Carried by every
/// <see cref="Evaluation.EvaluationReport"/> of a training run.
/// </summary>
/// <param name="Method">"end-to-end" or "two-stage".</param>
/// <param name="Untrained">Epoch 0.</param>
/// <param name="History">Epochs 1, 2, ….</param>
/// <param name="BestEpoch">The selected epoch (best validation C).</param>
/// <param name="BestValidationC">Its validation C.</param>
/// <param name="Learning">The verdict.</param>
public sealed record TrainingCurve(string Method, EpochRecord Untrained, IReadOnlyList<EpochRecord> History, int BestEpoch, double BestValidationC,
    LearningCheck Learning)
{
    /// <summary>True when the run did not learn.</summary>
    public bool DidNotLearn => Learning.DidNotLearn;

    /// <summary>
    /// Training C of the selected model, predicted as validation is (inference tiles, eval mode), measured once after
    /// training; NaN when not measured.
    /// </summary>
    public double SelectedTrainC { get; init; } = double.NaN;

    /// <summary>
    /// End to end: the RMS shift the selected model's prompts make to the decoder's standardised input on validation
    /// tiles (<see cref="Model.VPTSurvModel.PromptShift"/>; 0 = the prompts change nothing, as at the start, where Up
    /// is zero). NaN for two-stage runs and when not measured.
    /// </summary>
    public double PromptShift { get; init; } = double.NaN;

    /// <summary>The selected epoch's in-flight training C (<see cref="EpochRecord.TrainC"/>; NaN when not measured).</summary>
    public double BestTrainC => History.FirstOrDefault(h => h.Epoch == BestEpoch)?.TrainC ?? double.NaN;

    /// <summary>As JSON (NaN as null).</summary>
    public JsonObject ToJson()
    {
        static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        static JsonObject Epoch(EpochRecord h) => new()
        {
            ["epoch"] = h.Epoch,
            ["train_loss"] = Num(h.TrainLoss),
            ["train_c"] = Num(h.TrainC),
            ["validation_c"] = Num(h.ValidationC),
            ["learning_rate"] = h.LearningRate,
            ["seconds"] = Math.Round(h.Seconds, 3),
        };
        return new JsonObject
        {
            ["method"] = Method,
            ["did_not_learn"] = Learning.DidNotLearn,
            ["did_not_learn_reason"] = Learning.Reason,
            ["untrained_train_c"] = Num(Untrained.TrainC),
            ["untrained_validation_c"] = Num(Untrained.ValidationC),
            ["best_epoch"] = BestEpoch,
            ["best_validation_c"] = Num(BestValidationC),
            ["best_train_c"] = Num(BestTrainC),
            ["selected_train_c"] = Num(SelectedTrainC),
            ["prompt_shift"] = Num(PromptShift),
            ["learning_margin"] = Num(Learning.Margin),
            ["learning_baseline"] = Num(Learning.Baseline),
            ["null_std_error"] = Num(Learning.NullStdError),
            ["epochs"] = new JsonArray([Epoch(Untrained), .. History.Select(h => (JsonNode)Epoch(h))]),
        };
    }
    /// <summary>
    /// Reads <see cref="ToJson"/>'s output back (null as NaN). Every number round-trips exactly except the epoch
    /// seconds, which <see cref="ToJson"/> rounds to milliseconds; a missing key throws naming it.
    /// </summary>
    public static TrainingCurve FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        static JsonNode Key(JsonObject o, string key) =>
            o.TryGetPropertyValue(key, out var v) ? v! : throw new FormatException($"Training curve JSON has no key '{key}'.");
        static double Num(JsonObject o, string key) =>
            o.TryGetPropertyValue(key, out var v) ? v is null ? double.NaN : v.GetValue<double>() : throw new FormatException($"Training curve JSON has no key '{key}'.");
        static EpochRecord Epoch(JsonObject e) => new((int)Key(e, "epoch"), Num(e, "train_loss"), Num(e, "validation_c"),
            Num(e, "learning_rate"), Num(e, "seconds"), Num(e, "train_c"));
        var epochs = Key(json, "epochs").AsArray().Select(e => Epoch(e!.AsObject())).ToList();
        if (epochs.Count == 0 || epochs[0].Epoch != 0) throw new FormatException("Training curve JSON: 'epochs' must start with epoch 0 (the untrained model).");
        var learning = new LearningCheck(epochs[0].ValidationC, Num(json, "best_validation_c"), Num(json, "learning_baseline"),
            Num(json, "null_std_error"), Num(json, "learning_margin"), (bool)Key(json, "did_not_learn"), (string)Key(json, "did_not_learn_reason")!);
        return new TrainingCurve((string)Key(json, "method")!, epochs[0], epochs.Skip(1).ToList(), (int)Key(json, "best_epoch"),
            Num(json, "best_validation_c"), learning)
        {
            SelectedTrainC = Num(json, "selected_train_c"),
            // Absent in curves written before it was measured.
            PromptShift = json.ContainsKey("prompt_shift") ? Num(json, "prompt_shift") : double.NaN,
        };
    }
}
