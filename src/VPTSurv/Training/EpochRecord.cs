namespace VPTSurv.Training;

/// <summary>One finished epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss over its bags.</param>
/// <param name="ValidationC">Per-slide Harrell's C on the validation split (NaN when it has no comparable pair).</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidationC, double LearningRate, double Seconds);
