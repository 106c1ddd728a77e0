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
            ["learning_margin"] = Num(Learning.Margin),
            ["learning_baseline"] = Num(Learning.Baseline),
            ["null_std_error"] = Num(Learning.NullStdError),
            ["epochs"] = new JsonArray([Epoch(Untrained), .. History.Select(h => (JsonNode)Epoch(h))]),
        };
    }
}
