using VPTSurv.Data;

namespace VPTSurv.Training;

/// <summary>Where a run keeps its files and how it gets its tiles; everything optional.</summary>
public sealed record TrainerOptions
{
    /// <summary>Folder for caches (tile pools under <c>tiles/</c>, features under <c>features/</c>); null = no disk cache.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>
    /// Checkpoint written (atomically) after every epoch — of the end-to-end model, or of the two-stage decoder
    /// (<see cref="TrainingCheckpoint"/>); null = none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Stop after this epoch as if the process ended there (the checkpoint allows <c>Resume</c>); null = run to the end.</summary>
    public int? StopAfterEpoch { get; init; }

    /// <summary>
    /// Makes the tile source for the slides the run uses; null = a <see cref="TilePoolSource"/> when the preset sets
    /// <see cref="TrainingSettings.TilePool"/>, else a <see cref="LiveTileSource"/>.
    /// </summary>
    public Func<Cohort, IReadOnlyList<SlideRecord>, Preset, TileSource>? Source { get; init; }

    /// <summary>Receives every optimiser step of the shared training loop (<see cref="StepLoop"/>), e.g. for live plots.</summary>
    public IProgress<LoopProgress>? LoopProgress { get; init; }

    /// <summary>
    /// The process group of a data-parallel run (VPTSurv.Distributed's <c>MpiDataParallel</c> under mpirun or srun); null =
    /// this process alone. Each rank trains on its share of every step's bags (<see cref="TrainingSettings.BagsPerStep"/>
    /// per rank), the gradients are summed over the ranks before each optimiser step, rank 0's initial weights are
    /// broadcast, evaluation is shared and gathered, and only rank 0 writes the checkpoint.
    /// </summary>
    public IDataParallel? Parallel { get; init; }

    /// <summary>
    /// Where the model lives and computes (for example <c>cuda:1</c>, <see cref="Runtime.Devices.Choose"/>); null = CPU.
    /// The model is built with the same weights whatever the device and moved there; bags are loaded on the CPU and
    /// moved to it by the model, so two trainers with two devices can run in one process.
    /// </summary>
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>Receives log lines (encoder weights, cache use, epochs).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>No caches, no checkpoint.</summary>
    public static TrainerOptions Default { get; } = new();
}
