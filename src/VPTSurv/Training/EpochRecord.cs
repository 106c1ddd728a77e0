namespace VPTSurv.Training;

/// <summary>One finished epoch (epoch 0: the untrained model, before any step).</summary>
/// <param name="Epoch">1-based epoch; 0 for the untrained model.</param>
/// <param name="TrainLoss">Mean training loss over its bags (NaN for epoch 0).</param>
/// <param name="ValidationC">Per-slide Harrell's C on the validation split (NaN when it has no comparable pair).</param>
/// <param name="LearningRate">Learning rate of the epoch's last step (0 for epoch 0).</param>
/// <param name="Seconds">Wall time of the epoch, evaluation included.</param>
/// <param name="TrainC">
/// Per-slide Harrell's C on the training split. Epoch 0: predicted as validation is (inference tiles, eval mode).
/// Epochs 1, 2, …: from the risk each training step computed for its bag during the epoch (training tiles, train
/// mode, the model as it was at that step) — no extra pass. NaN when not measured (checkpoints of older versions).
/// </param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidationC, double LearningRate, double Seconds, double TrainC = double.NaN);
