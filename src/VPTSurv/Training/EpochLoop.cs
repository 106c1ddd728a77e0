using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Runtime;
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

/// <summary>What a survival trainer plugs into <see cref="EpochLoop.Drive"/>: its model, data and one step.</summary>
internal sealed record EpochTrainer
{
    /// <summary>The module whose trainable weights are selected, checkpointed and restored.</summary>
    public required nn.Module Model { get; init; }

    public required OptimizerHelper Optimizer { get; init; }
    public required IReadOnlyList<SlideRecord> Train { get; init; }
    public required IReadOnlyList<SlideRecord> Val { get; init; }
    public required int StepsPerEpoch { get; init; }

    /// <summary>Risk (higher = worse) of each slide, model in eval mode, no graph.</summary>
    public required Func<IReadOnlyList<SlideRecord>, double[]> Risk { get; init; }

    /// <summary>Before an epoch's first step (epoch 1-based): data order, tile sampling.</summary>
    public required Action<int> BeginEpoch { get; init; }

    /// <summary>
    /// One optimiser step (global step, step in epoch; 0-based, and where to record each bag's in-flight risk): zero
    /// the gradients, accumulate the step's bags, <c>optimizer.step()</c> (the rate is set); returns the loss summed
    /// over its bags and the slides of those bags (named when the loss is not finite).
    /// </summary>
    public required Func<int, int, Action<SlideRecord, double>, (double LossSum, IReadOnlyList<SlideRecord> Bags)> Step { get; init; }

    /// <summary>Tiles through the encoder per step, for the tiles/s of the progress line (NaN: not meaningful).</summary>
    public double TilesPerStep { get; init; } = double.NaN;
}

/// <summary>
/// The survival trainers' epochs (end to end and two-stage both run through <see cref="Drive"/>, which runs its steps
/// through <see cref="StepLoop"/>, the loop MAE pretraining uses too): the untrained model's training and validation C
/// (epoch 0, predicted as at inference), then per epoch the steps under the warm-up + cosine schedule, the epoch's
/// training C (from the risks its own steps computed for each training bag: free, where a second pass over the
/// training split would add half an epoch's time on the Cpu preset) and validation C, the best epoch's
/// trainable weights, the per-epoch checkpoint (<see cref="TrainingCheckpoint"/>) with its exact resume, early
/// stopping, progress events and the did-not-learn check (<see cref="LearningCheck"/>). The trainer owns the model,
/// the optimiser and what one step does; this owns what survives between epochs.
/// </summary>
internal sealed class EpochLoop
{
    private EpochLoop(string method, TimeBins bins, int epoch, int step, List<EpochRecord> history, int bestEpoch, double bestC, int stale,
        Dictionary<string, Tensor> best, EpochRecord? untrained, FeatureStandardization? standardization, IReadOnlyList<CoxMemoryEntry>? coxMemory = null)
    {
        Method = method; Bins = bins; Epoch = epoch; Step = step; History = history; BestEpoch = bestEpoch; BestC = bestC; Stale = stale; Best = best;
        Untrained = untrained; Standardization = standardization; _restoredCoxMemory = coxMemory;
    }

    private readonly IReadOnlyList<CoxMemoryEntry>? _restoredCoxMemory;

    /// <summary>The run's Cox memory bank (null until <see cref="CoxBankFor"/> creates it); saved with every checkpoint.</summary>
    public CoxMemoryBank? CoxBank { get; private set; }

    /// <summary>
    /// The run's Cox memory bank when <paramref name="settings"/> train with <see cref="SurvivalLossKind.CoxMemoryBank"/>
    /// (null otherwise): made once per run, refilled from the checkpoint on resume, so the resumed steps see the same bank.
    /// </summary>
    public CoxMemoryBank? CoxBankFor(TrainingSettings settings)
    {
        if (settings.Loss != SurvivalLossKind.CoxMemoryBank) return null;
        if (CoxBank is null)
        {
            CoxBank = new CoxMemoryBank(settings.CoxMemory);
            if (_restoredCoxMemory is { } entries) CoxBank.Restore(entries);
        }
        return CoxBank;
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

    /// <summary>The untrained model (epoch 0): training and validation C before any step; null until measured.</summary>
    public EpochRecord? Untrained { get; private set; }

    /// <summary>The decoder-input standardisation of the run (checkpointed; null = none recorded).</summary>
    public FeatureStandardization? Standardization { get; set; }

    /// <summary>
    /// Training C of the selected (best-epoch) model, predicted as validation is (inference tiles, eval mode), measured
    /// once when the run completes; NaN before.
    /// </summary>
    public double SelectedTrainC { get; private set; } = double.NaN;

    /// <summary>The did-not-learn verdict, set by <see cref="Drive"/> when the run ends.</summary>
    public LearningCheck? Learning { get; private set; }

    /// <summary>A new run.</summary>
    public static EpochLoop Start(string method, TimeBins bins, Generator random) =>
        new(method, bins, 0, 0, [], 0, double.NaN, 0, [], null, null) { Random = random };

    /// <summary>
    /// The run's training generator (its seed's "training" stream, <see cref="RandomStreams"/>): the model's dropout
    /// draws from it, and its state is checkpointed so a resumed run draws what the uninterrupted one would.
    /// </summary>
    public required Generator Random { get; init; }

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
    /// optimiser state and the state of <paramref name="random"/> (the run's training generator), after checking the
    /// frozen encoder's weights hash.
    /// </summary>
    public static EpochLoop Resume(string checkpoint, TrainingCheckpoint.Meta meta, string method, string encoderHash, nn.Module model,
        OptimizerHelper optimizer, Generator random, Action<string>? log)
    {
        if (meta.Method != method)
            throw new ArgumentException($"Checkpoint '{checkpoint}' is of a {meta.Method} run; this run is {method}.", nameof(checkpoint));
        if (encoderHash != meta.EncoderHash)
            throw new ResumeMismatchException($"Checkpoint '{checkpoint}': the frozen encoder's weights differ (hash {meta.EncoderHash[..Math.Min(12, meta.EncoderHash.Length)]}…, this run {encoderHash[..12]}…).");
        TrainingCheckpoint.Restore(checkpoint, model, optimizer, random, out var best);
        log?.Invoke($"resumed '{checkpoint}' ({method}) after epoch {meta.Epoch} (step {meta.Step})");
        return new EpochLoop(method, TrainingCheckpoint.Bins(meta), meta.Epoch, meta.Step, [.. meta.History], meta.BestEpoch, meta.BestC, meta.Stale, best,
            meta.Untrained, meta.Standardization, meta.CoxMemory) { Random = random };
    }

    /// <summary>
    /// Runs the remaining epochs of <paramref name="t"/> (all of them for a new run, after measuring epoch 0), then
    /// loads the best epoch's weights when the run completed and sets <see cref="Learning"/>. Returns whether the run
    /// completed (false when <see cref="TrainerOptions.StopAfterEpoch"/> paused it).
    /// </summary>
    public bool Drive(EpochTrainer t, Preset preset, string encoderHash, TrainerOptions options, IProgress<TrainingProgress>? progress,
        CancellationToken ct)
    {
        var s = preset.Training;
        var log = options.Log;
        var group = options.Parallel ?? DataParallel.Single;
        group.BroadcastTrainable(t.Model);
        // A checkpoint ends an epoch; counting its steps with this run's steps per epoch lets a run resume on another
        // number of ranks (another global batch, so other steps per epoch).
        Step = Epoch * t.StepsPerEpoch;
        var clock = Stopwatch.StartNew();
        int stepsThisRun = 0;
        TimeSpan Eta(int stepsLeft) => stepsThisRun == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / stepsThisRun * stepsLeft);
        double TilesPerSecond() => stepsThisRun * t.TilesPerStep / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        try
        {
            if (Untrained is null && Epoch > 0)
                Untrained = new EpochRecord(0, double.NaN, double.NaN, 0, 0); // a checkpoint from before epoch 0 was recorded
            if (Untrained is null)
            {
                var c0 = Stopwatch.StartNew();
                var (trainC0, valC0) = (C(t.Train, t.Risk, group), C(t.Val, t.Risk, group));
                Untrained = new EpochRecord(0, double.NaN, valC0, 0, c0.Elapsed.TotalSeconds, trainC0);
                log?.Invoke($"epoch 0 (untrained): training C {trainC0:F4}, validation C {valC0:F4}");
                progress?.Report(new TrainingProgress("validate", 0, s.Epochs, 0, t.StepsPerEpoch, double.NaN, valC0, double.NaN, TimeSpan.Zero));
            }
            var schedule = CosineSchedule.For(s, t.StepsPerEpoch);
            double lossSum = 0;
            int bags = 0;
            var epochClock = new Stopwatch();
            var inFlight = new Dictionary<string, double>(StringComparer.Ordinal);
            IReadOnlyList<SlideRecord> stepBags = [];
            void Record(SlideRecord slide, double risk) => inFlight[slide.SlideId] = risk;
            var loop = new StepLoop
            {
                Trainer = Method,
                StepsPerEpoch = t.StepsPerEpoch,
                Schedule = schedule.At,
                Optimizer = (optim.Optimizer)t.Optimizer,
                Observer = options.LoopProgress,
                BeginEpoch = epoch =>
                {
                    epochClock.Restart();
                    (lossSum, bags) = (0, 0);
                    inFlight.Clear();
                    t.Model.train();
                    t.BeginEpoch(epoch);
                },
                Step = (global, k) =>
                {
                    var (l, b) = t.Step(global, k, Record);
                    stepBags = b;
                    (lossSum, bags) = (lossSum + l, bags + b.Count);
                    Step++;
                    stepsThisRun++;
                    return l / Math.Max(1, b.Count);
                },
                StepInputs = (_, _) => $"the bag{(stepBags.Count == 1 ? "" : "s")} of slide{(stepBags.Count == 1 ? "" : "s")} " +
                    string.Join(", ", stepBags.Select(x => $"'{x.SlideId}'")),
                AfterStep = p => progress?.Report(new TrainingProgress("train", p.Epoch, s.Epochs, p.StepInEpoch, t.StepsPerEpoch, lossSum / Math.Max(1, bags),
                    null, TilesPerSecond(), Eta(s.Epochs * t.StepsPerEpoch - Step))),
                EndEpoch = epoch =>
                {
                    double trainC = InFlightC(t.Train, inFlight, group), valC = C(t.Val, t.Risk, group);
                    double loss = lossSum / Math.Max(1, bags);
                    var outcome = End(new EpochRecord(epoch, loss, valC, schedule.At(Step - 1), epochClock.Elapsed.TotalSeconds, trainC), t.Model,
                        t.Optimizer, preset, encoderHash, options);
                    log?.Invoke($"{Method} epoch {epoch}/{s.Epochs}: loss {loss:F4}, training C {trainC:F4}, validation C {valC:F4}, best epoch {BestEpoch}");
                    progress?.Report(new TrainingProgress("validate", epoch, s.Epochs, t.StepsPerEpoch, t.StepsPerEpoch, loss, valC, TilesPerSecond(),
                        Eta((s.Epochs - epoch) * t.StepsPerEpoch)));
                    if (outcome == EpochOutcome.EarlyStop)
                        log?.Invoke($"early stop after epoch {epoch}: {Stale} epochs without a better validation C");
                    return outcome;
                },
            };
            var last = Epoch < s.Epochs ? loop.Run(Step, s.Epochs * t.StepsPerEpoch, ct) : EpochOutcome.Continue;
            bool completed = last != EpochOutcome.Paused;
            Finish(t.Model, completed);
            t.Model.eval();
            if (completed && t.Train.Count > 0) SelectedTrainC = C(t.Train, t.Risk, group);
            Learning = LearningCheck.Assess(t.Val.Select(x => x.Time).ToArray(), t.Val.Select(x => x.EventObserved).ToArray(),
                Untrained.ValidationC, BestC);
            log?.Invoke($"{Method}: {Learning.Reason}");
            return completed;
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>
    /// Harrell's C of the risks the training steps computed for their bags during the epoch, on every rank's bags (NaN
    /// when incomplete).
    /// </summary>
    private static double InFlightC(IReadOnlyList<SlideRecord> train, Dictionary<string, double> inFlight, IDataParallel group)
    {
        var risk = group.Merge([.. train.Select(s => inFlight.GetValueOrDefault(s.SlideId, double.NaN))]);
        if (train.Count == 0 || risk.Any(r => !double.IsFinite(r))) return double.NaN;
        try { return new HarrellConcordance().Fit(train.Select(x => x.Time).ToArray(), train.Select(x => x.EventObserved).ToArray(), risk).CIndex; }
        catch (NoComparablePairsException) { return double.NaN; }
    }

    /// <summary>
    /// Per-slide Harrell's C of the model on <paramref name="slides"/> (each rank predicting its share, the risks
    /// gathered); NaN without slides or comparable pairs.
    /// </summary>
    private static double C(IReadOnlyList<SlideRecord> slides, Func<IReadOnlyList<SlideRecord>, double[]> risk, IDataParallel group)
    {
        if (slides.Count == 0) return double.NaN;
        var r = group.Shared(slides, risk);
        try { return new HarrellConcordance().Fit(slides.Select(x => x.Time).ToArray(), slides.Select(x => x.EventObserved).ToArray(), r).CIndex; }
        catch (NoComparablePairsException) { return double.NaN; }
    }

    /// <summary>
    /// Records a finished epoch: history, best weights (the first epoch, then any epoch whose validation C is not
    /// below the best), the checkpoint when <see cref="TrainerOptions.CheckpointPath"/> is set; then says whether to go on.
    /// </summary>
    private EpochOutcome End(EpochRecord record, nn.Module model, OptimizerHelper optimizer, Preset preset, string encoderHash, TrainerOptions options)
    {
        int epoch = record.Epoch;
        double valC = record.ValidationC;
        Epoch = epoch;
        History.Add(record);
        if (BestEpoch == 0 || (double.IsFinite(valC) && !(valC <= BestC)))
        {
            foreach (var x in Best.Values) x.Dispose();
            Best = TrainingCheckpoint.Trainable(model).ToDictionary(p => p.Key, p => p.Value.detach().clone());
            (BestEpoch, BestC, Stale) = (epoch, valC, 0);
        }
        else Stale++;
        if (options.CheckpointPath is { } path && (options.Parallel?.Rank ?? 0) == 0)
            TrainingCheckpoint.Save(path, new TrainingCheckpoint.Meta(PresetJson.Of(preset), encoderHash, Bins.Edges, Epoch, Step, History,
                BestEpoch, BestC, Stale, Method, Identity) { Untrained = Untrained, Standardization = Standardization, CoxMemory = CoxBank?.Entries },
                model, optimizer, Best, Random);
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
        foreach (var x in Best.Values) x.Dispose();
        Best = [];
    }
}
