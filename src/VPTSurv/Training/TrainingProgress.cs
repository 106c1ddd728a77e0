namespace VPTSurv.Training;

/// <summary>Where a run is, for the CLI's progress line and the notebooks' live plots.</summary>
/// <param name="Phase">"tiles" (caching tile pools), "extract" (two-stage features), "train", "validate", "done".</param>
/// <param name="Epoch">Epoch, 1-based (0 before training starts).</param>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="Step">Optimiser step within the epoch, 1-based (or slides done in "tiles"/"extract").</param>
/// <param name="Steps">Steps per epoch (or slides to do).</param>
/// <param name="Loss">Mean training loss of the epoch so far (NaN outside "train").</param>
/// <param name="ValidationC">Validation C-index of the epoch just finished, or null.</param>
/// <param name="TilesPerSecond">Tiles through the encoder per second over the phase so far.</param>
/// <param name="Eta">Estimated time left in the phase (all remaining epochs while training).</param>
public sealed record TrainingProgress(
    string Phase, int Epoch, int Epochs, int Step, int Steps, double Loss, double? ValidationC, double TilesPerSecond, TimeSpan Eta)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Phase} epoch {Epoch}/{Epochs} step {Step}/{Steps} loss {Loss:F4}" +
        (ValidationC is { } c ? $" val C {c:F3}" : "") + $" {TilesPerSecond:F1} tiles/s ETA {Eta:hh\\:mm\\:ss}";
}
