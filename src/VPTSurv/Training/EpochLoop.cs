using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>What to do after an epoch.</summary>
internal enum EpochOutcome
{
    /// <summary>Train the next epoch.</summary>
    Continue,

    /// <summary><see cref="TrainerOptions.StopAfterEpoch"/> reached: stop as if the process ended (the checkpoint resumes).</summary>
    Paused,

    /// <summary>Early stopping: <see cref="TrainingSettings.Patience"/> epochs without a better validation C.</summary>
    EarlyStop,
}

/// <summary>
/// The epoch bookkeeping both trainers share: time bins, epochs and optimiser steps done, history, the best epoch's
/// trainable weights, and the per-epoch checkpoint (<see cref="TrainingCheckpoint"/>) with its exact resume. The trainer
/// owns the model, the optimiser and what one epoch does; this owns what survives between epochs.
/// </summary>
internal sealed class EpochLoop
{
    private EpochLoop(string method, TimeBins bins, int epoch, int step, List<EpochRecord> history, int bestEpoch, double bestC, int stale,
        Dictionary<string, Tensor> best)
    {
        Method = method; Bins = bins; Epoch = epoch; Step = step; History = history; BestEpoch = bestEpoch; BestC = bestC; Stale = stale; Best = best;
    }

    /// <summary>"end-to-end" or "two-stage/&lt;decoder type&gt;", stored in the checkpoint and checked on resume.</summary>
    public string Method { get; }

    public TimeBins Bins { get; }
    public int Epoch { get; private set; }
    public int Step { get; set; }
    public List<EpochRecord> History { get; }
    public int BestEpoch { get; private set; }
    public double BestC { get; private set; }
    public int Stale { get; private set; }

    /// <summary>The run's <see cref="RunIdentity"/> JSON, saved with every checkpoint (set by <see cref="RunIdentity.Attach"/>).</summary>
    public string? Identity { get; set; }
    private Dictionary<string, Tensor> Best { get; set; }

    /// <summary>A new run.</summary>
    public static EpochLoop Start(string method, TimeBins bins) => new(method, bins, 0, 0, [], 0, double.NaN, 0, []);

    /// <summary>
    /// Reads <paramref name="checkpoint"/>'s metadata and refuses it (naming the difference) unless it was written with
    /// <paramref name="preset"/> by a run of <paramref name="family"/> ("end-to-end" or "two-stage"; the decoder type is
    /// checked by <see cref="Resume"/>). Cheap: call it before building anything.
    /// </summary>
    public static TrainingCheckpoint.Meta Check(string checkpoint, string family, Preset preset)
    {
        var meta = TrainingCheckpoint.ReadMeta(checkpoint);
        var expected = PresetJson.Of(preset);
        if (meta.PresetJson != expected)
            throw new ResumeMismatchException($"Checkpoint '{checkpoint}' was written with a different preset: {RunIdentity.PresetDifference(meta.PresetJson, expected)}.");
        if (meta.Method != family && !meta.Method.StartsWith(family + "/", StringComparison.Ordinal))
            throw new ArgumentException($"Checkpoint '{checkpoint}' is of a {meta.Method} run; this run is {family}.", nameof(checkpoint));
        return meta;
    }

    /// <summary>
    /// Continues <paramref name="checkpoint"/> (already <see cref="Check"/>ed): loads the trainable weights, the
    /// optimiser state and torch's RNG state, after checking the frozen encoder's weights hash.
    /// </summary>
    public static EpochLoop Resume(string checkpoint, TrainingCheckpoint.Meta meta, string method, string encoderHash, nn.Module model,
        OptimizerHelper optimizer, Action<string>? log)
    {
        if (meta.Method != method)
            throw new ArgumentException($"Checkpoint '{checkpoint}' is of a {meta.Method} run; this run is {method}.", nameof(checkpoint));
        if (encoderHash != meta.EncoderHash)
            throw new ResumeMismatchException($"Checkpoint '{checkpoint}': the frozen encoder's weights differ (hash {meta.EncoderHash[..Math.Min(12, meta.EncoderHash.Length)]}…, this run {encoderHash[..12]}…).");
        TrainingCheckpoint.Restore(checkpoint, model, optimizer, out var best);
        log?.Invoke($"resumed '{checkpoint}' ({method}) after epoch {meta.Epoch} (step {meta.Step})");
        return new EpochLoop(method, TrainingCheckpoint.Bins(meta), meta.Epoch, meta.Step, [.. meta.History], meta.BestEpoch, meta.BestC, meta.Stale, best);
    }

    /// <summary>
    /// Records finished epoch <paramref name="epoch"/>: history, best weights (the first epoch, then any epoch whose
    /// validation C is not below the best), the checkpoint when <see cref="TrainerOptions.CheckpointPath"/> is set; then
    /// says whether to go on.
    /// </summary>
    public EpochOutcome End(int epoch, double loss, double valC, double learningRate, double seconds, nn.Module model, OptimizerHelper optimizer,
        Preset preset, string encoderHash, TrainerOptions options)
    {
        Epoch = epoch;
        Finite.Require(loss, $"the training loss of epoch {epoch} (the run diverged or an input is not finite)");
        History.Add(new EpochRecord(epoch, loss, valC, learningRate, seconds));
        if (BestEpoch == 0 || (double.IsFinite(valC) && !(valC <= BestC)))
        {
            foreach (var t in Best.Values) t.Dispose();
            Best = TrainingCheckpoint.Trainable(model).ToDictionary(p => p.Key, p => p.Value.detach().clone());
            (BestEpoch, BestC, Stale) = (epoch, valC, 0);
        }
        else Stale++;
        if (options.CheckpointPath is { } path)
            TrainingCheckpoint.Save(path, new TrainingCheckpoint.Meta(PresetJson.Of(preset), encoderHash, Bins.Edges, Epoch, Step, History,
                BestEpoch, BestC, Stale, Method, Identity), model, optimizer, Best);
        if (options.StopAfterEpoch is { } stop && epoch >= stop && epoch < preset.Training.Epochs) return EpochOutcome.Paused;
        if (preset.Training.Patience is { } patience && Stale >= patience) return EpochOutcome.EarlyStop;
        return EpochOutcome.Continue;
    }

    /// <summary>Loads the best epoch's weights into <paramref name="model"/> when the run completed, and frees them.</summary>
    public void Finish(nn.Module model, bool completed)
    {
        if (completed && Best.Count > 0) TrainingCheckpoint.LoadTrainable("best epoch", model, Best);
        Release();
    }

    /// <summary>Frees the best epoch's weights (also after a failure).</summary>
    public void Release()
    {
        foreach (var t in Best.Values) t.Dispose();
        Best = [];
    }
}
