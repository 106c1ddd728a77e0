using VPTSurv.Data;
using VPTSurv.Training;

namespace VPTSurv.Evaluation;

/// <summary>Evaluates a trained model's predictions: <c>result.Evaluate(Split.Test)</c>.</summary>
public static class TrainingResultEvaluation
{
    /// <summary>The evaluation report of <paramref name="split"/> (group cut and censoring weights from the training split).</summary>
    public static EvaluationReport Evaluate(this TrainingResult result, Split split, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return EvaluationReport.Compute(result.Predict(split), result.Predict(Split.Train), result.Bins.Edges, options) with { Training = result.Curve };
    }
}
