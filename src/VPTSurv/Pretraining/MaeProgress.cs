namespace VPTSurv.Pretraining;

/// <summary>One progress event of MAE pretraining, reported after each optimiser step.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="Steps">Steps in total.</param>
/// <param name="Loss">Masked-patch reconstruction loss of this step's batch.</param>
/// <param name="LearningRate">Learning rate used for this step.</param>
/// <param name="Elapsed">Training time so far (resumed runs include the time before the checkpoint).</param>
/// <param name="TilesPerSecond">Throughput of this step.</param>
public sealed record MaeProgress(int Step, int Steps, double Loss, double LearningRate, TimeSpan Elapsed, double TilesPerSecond);

/// <summary>What a pretraining run produced.</summary>
/// <param name="Losses">Loss of every step, from step 1 (a resumed run includes the steps before the checkpoint).</param>
/// <param name="InitialLoss">Mean loss of the first 10 steps.</param>
/// <param name="FinalLoss">Mean loss of the last 50 steps (or fewer when the run is shorter).</param>
/// <param name="PoolSeconds">Seconds spent drawing the tile pool.</param>
/// <param name="TrainSeconds">Seconds spent in optimiser steps (including before a resume).</param>
/// <param name="PoolTiles">Tiles in the pool.</param>
/// <param name="PoolBackgroundShare">Share of mostly-background tiles in the pool.</param>
/// <param name="OutputPath">Where the encoder weights were written, or null.</param>
/// <param name="Model">The trained masked autoencoder (the caller disposes it); <c>Model.Encoder</c> is the pretrained encoder.</param>
public sealed record MaeResult(IReadOnlyList<double> Losses, double InitialLoss, double FinalLoss, double PoolSeconds, double TrainSeconds,
    int PoolTiles, double PoolBackgroundShare, string? OutputPath, MaeModel Model);
