using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Training;

namespace VPTSurv.Cli.Runs;

/// <summary>A trained model and its test report, with the wall time it took.</summary>
/// <param name="Label">How tables and files name it: "two-stage" or "end-to-end".</param>
/// <param name="Description">What was trained, in words.</param>
/// <param name="Result">The finished run (model at its best validation epoch).</param>
/// <param name="Test">The test-split report.</param>
/// <param name="Seconds">Training and evaluation wall time.</param>
public sealed record MethodRun(string Label, string Description, TrainingResult Result, EvaluationReport Test, double Seconds) : IDisposable
{
    /// <summary>Trains with <paramref name="fit"/>, evaluates the test split, and times both.</summary>
    public static MethodRun Train(string label, string description, Func<TrainingResult> fit, EvaluationOptions evaluation) =>
        TrainUnlessPaused(label, description, fit, evaluation)
        ?? throw new InvalidOperationException($"{label}: the run stopped before its last epoch (TrainerOptions.StopAfterEpoch); resume it to evaluate.");

    /// <summary>
    /// As <see cref="Train"/>, but null when the run stopped before its last epoch (<see cref="TrainerOptions.StopAfterEpoch"/>;
    /// its checkpoint resumes it): nothing is evaluated and the model is released.
    /// </summary>
    public static MethodRun? TrainUnlessPaused(string label, string description, Func<TrainingResult> fit, EvaluationOptions evaluation)
    {
        var clock = Stopwatch.StartNew();
        var result = fit();
        if (!result.Completed)
        {
            result.Dispose();
            return null;
        }
        try
        {
            var test = result.Evaluate(Split.Test, evaluation);
            return new MethodRun(label, description, result, test, clock.Elapsed.TotalSeconds);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Predictions of every split (train, val, test), for the predictions CSV and later KM cuts.</summary>
    public IReadOnlyList<SlidePrediction> AllPredictions() =>
        [.. new[] { Split.Train, Split.Val, Split.Test }.Where(s => Result.Cohort.SlidesIn(s).Any()).SelectMany(Result.Predict)];

    /// <summary>The training median risk: the cut between the risk groups.</summary>
    public double Threshold => RiskGroups.MedianCut(Result.Predict(Split.Train).Select(p => p.Risk));

    /// <summary>The model's entry in a report: what it is, its training history, and its test report.</summary>
    public JsonObject ToJson() => new()
    {
        ["method"] = Label,
        ["description"] = Description,
        ["best_epoch"] = Result.BestEpoch,
        ["best_validation_c"] = double.IsFinite(Result.BestValidationC) ? Result.BestValidationC : null,
        ["did_not_learn"] = Result.DidNotLearn,
        ["did_not_learn_reason"] = Result.Learning.Reason,
        ["untrained_train_c"] = double.IsFinite(Result.Untrained.TrainC) ? Result.Untrained.TrainC : null,
        ["untrained_validation_c"] = double.IsFinite(Result.Untrained.ValidationC) ? Result.Untrained.ValidationC : null,
        ["completed"] = Result.Completed,
        ["seconds"] = Math.Round(Seconds, 2),
        ["history"] = new JsonArray([.. Result.History.Select(h => (JsonNode)new JsonObject
        {
            ["epoch"] = h.Epoch,
            ["train_loss"] = double.IsFinite(h.TrainLoss) ? h.TrainLoss : null,
            ["train_c"] = double.IsFinite(h.TrainC) ? h.TrainC : null,
            ["validation_c"] = double.IsFinite(h.ValidationC) ? h.ValidationC : null,
            ["learning_rate"] = h.LearningRate,
            ["seconds"] = Math.Round(h.Seconds, 3),
        })]),
        ["test"] = Test.ToJson(),
    };

    /// <summary>Releases the model and its tile source.</summary>
    public void Dispose() => Result.Dispose();
}
