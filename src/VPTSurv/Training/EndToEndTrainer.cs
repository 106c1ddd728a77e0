using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Slides;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// End-to-end visual prompt tuning: per optimiser step, <see cref="TrainingSettings.BagsPerStep"/> WSIs, each a bag
/// of <see cref="TrainingSettings.TilesPerStep"/> tiles drawn at random (seeded by seed, epoch and slide), gradients
/// accumulated over the bags; AdamW with decay and no-decay groups, cosine annealing per step; validation C-index
/// after every epoch, the best epoch's weights kept, optional early stopping; predictions with
/// <see cref="TrainingSettings.InferenceTiles"/> tiles. Same seed, same numbers on CPU; <see cref="Resume"/> continues
/// a checkpointed run exactly.
/// </summary>
/// <example><code>
/// using var result = new EndToEndTrainer(Preset.Cpu).Fit(cohort, progress);
/// result.Evaluate(Split.Test).SaveJson("test.json");
/// </code></example>
public sealed class EndToEndTrainer
{
    /// <summary>A trainer for <paramref name="preset"/>.</summary>
    public EndToEndTrainer(Preset preset, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(preset);
        preset.Validate();
        Preset = preset;
        Options = options ?? TrainerOptions.Default;
    }

    /// <summary>The preset.</summary>
    public Preset Preset { get; }

    /// <summary>Files, tile source and log.</summary>
    public TrainerOptions Options { get; }

    private TrainingSettings S => Preset.Training;

    /// <summary>Trains on <paramref name="cohort"/>'s training split, selects on validation, and returns the result.</summary>
    public TrainingResult Fit(Cohort cohort, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var data = RunData.Create(Preset, cohort);
        var bins = TimeBins.Fit(new SurvivalTargets(data.Train.Select(s => s.Time).ToArray(), data.Train.Select(s => s.EventObserved).ToArray()), S.Bins);
        var model = Preset.BuildModel(Options.Log);
        var optimizer = OptimizerFactory.Create(model, S.LearningRate, S.WeightDecay);
        var state = new RunState(bins, 0, 0, [], 0, double.NaN, 0, new Dictionary<string, Tensor>());
        return Run(data, model, optimizer, state, progress, cancellationToken);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/> (written by a trainer with the same preset, on the same
    /// cohort) from the epoch after the last one it holds.
    /// </summary>
    public TrainingResult Resume(string checkpoint, Cohort cohort, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var meta = TrainingCheckpoint.ReadMeta(checkpoint);
        var expected = PresetJson.Of(Preset);
        if (meta.PresetJson != expected)
            throw new ArgumentException($"Checkpoint '{checkpoint}' was written with a different preset:\n  checkpoint: {meta.PresetJson}\n  this run:   {expected}", nameof(checkpoint));
        var data = RunData.Create(Preset, cohort);
        var model = Preset.BuildModel(Options.Log);
        var hash = PresetJson.WeightsHash(model.Backbone);
        if (hash != meta.EncoderHash)
            throw new ArgumentException($"Checkpoint '{checkpoint}': the frozen encoder's weights differ (hash {meta.EncoderHash[..12]}…, this run {hash[..12]}…).", nameof(checkpoint));
        var optimizer = OptimizerFactory.Create(model, S.LearningRate, S.WeightDecay);
        TrainingCheckpoint.Restore(checkpoint, model, optimizer, out var best);
        Options.Log?.Invoke($"resumed '{checkpoint}' after epoch {meta.Epoch} (step {meta.Step})");
        var state = new RunState(TrainingCheckpoint.Bins(meta), meta.Epoch, meta.Step, [.. meta.History], meta.BestEpoch, meta.BestC, meta.Stale, best);
        return Run(data, model, optimizer, state, progress, cancellationToken);
    }

    private sealed class RunState(TimeBins bins, int epoch, int step, List<EpochRecord> history, int bestEpoch, double bestC, int stale, Dictionary<string, Tensor> best)
    {
        public TimeBins Bins { get; } = bins;
        public int Epoch { get; set; } = epoch;
        public int Step { get; set; } = step;
        public List<EpochRecord> History { get; } = history;
        public int BestEpoch { get; set; } = bestEpoch;
        public double BestC { get; set; } = bestC;
        public int Stale { get; set; } = stale;
        public Dictionary<string, Tensor> Best { get; set; } = best;
    }

    private TrainingResult Run(RunData data, VPTSurvModel model, AdamW optimizer, RunState st, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var source = (Options.Source ?? DefaultSource)(data.Cohort, data.All, Preset);
        try
        {
            int stepsPerEpoch = (data.Train.Count + S.BagsPerStep - 1) / S.BagsPerStep;
            var schedule = new CosineSchedule(S.LearningRate, S.Epochs * stepsPerEpoch);
            var encoderHash = PresetJson.WeightsHash(model.Backbone);
            var clock = Stopwatch.StartNew();
            int stepsThisRun = 0;
            bool completed = true;
            while (st.Epoch < S.Epochs)
            {
                int epoch = st.Epoch + 1;
                var epochClock = Stopwatch.StartNew();
                double loss = TrainEpoch(data, model, optimizer, source, schedule, st, epoch, stepsPerEpoch, progress, clock, ref stepsThisRun, ct);
                double valC = ValidationC(data, model, source);
                st.Epoch = epoch;
                st.History.Add(new EpochRecord(epoch, loss, valC, schedule.At(st.Step - 1), epochClock.Elapsed.TotalSeconds));
                if (st.BestEpoch == 0 || (double.IsFinite(valC) && !(valC <= st.BestC)))
                {
                    foreach (var t in st.Best.Values) t.Dispose();
                    st.Best = TrainingCheckpoint.Trainable(model).ToDictionary(p => p.Key, p => p.Value.detach().clone());
                    st.BestEpoch = epoch;
                    st.BestC = valC;
                    st.Stale = 0;
                }
                else st.Stale++;
                Options.Log?.Invoke($"epoch {epoch}/{S.Epochs}: loss {loss:F4}, validation C {valC:F4}, best epoch {st.BestEpoch}");
                progress?.Report(new TrainingProgress("validate", epoch, S.Epochs, stepsPerEpoch, stepsPerEpoch, loss, valC,
                    stepsThisRun * S.BagsPerStep * (double)S.TilesPerStep / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                    Eta(clock, stepsThisRun, (S.Epochs - epoch) * stepsPerEpoch)));
                if (Options.CheckpointPath is { } path)
                    TrainingCheckpoint.Save(path, new TrainingCheckpoint.Meta(PresetJson.Of(Preset), encoderHash, st.Bins.Edges, st.Epoch, st.Step,
                        st.History, st.BestEpoch, st.BestC, st.Stale), model, optimizer, st.Best);
                if (Options.StopAfterEpoch is { } stop && epoch >= stop && epoch < S.Epochs)
                {
                    completed = false;
                    break;
                }
                if (S.Patience is { } patience && st.Stale >= patience)
                {
                    Options.Log?.Invoke($"early stop after epoch {epoch}: {st.Stale} epochs without a better validation C");
                    break;
                }
            }
            if (completed && st.Best.Count > 0) TrainingCheckpoint.LoadTrainable("best epoch", model, st.Best);
            foreach (var t in st.Best.Values) t.Dispose();
            optimizer.Dispose();
            model.eval();
            progress?.Report(new TrainingProgress("done", st.Epoch, S.Epochs, 0, 0, double.NaN, st.BestC, 0, TimeSpan.Zero));
            var covariates = data.Covariates;
            return new TrainingResult("end-to-end", Preset, data.Cohort, st.Bins, st.History, st.BestEpoch, st.BestC, completed,
                slides => PredictLogits(model, source, slides, S.InferenceTiles, S.MicroBatch, covariates), model, null, source);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private double TrainEpoch(RunData data, VPTSurvModel model, AdamW optimizer, TileSource source, CosineSchedule schedule, RunState st,
        int epoch, int stepsPerEpoch, IProgress<TrainingProgress>? progress, Stopwatch clock, ref int stepsThisRun, CancellationToken ct)
    {
        model.train();
        var order = data.Train.ToArray();
        new Random(TileSampling.SeedFor(S.Seed, epoch, "slide order")).Shuffle(order);
        var requests = order.Select(s => new TileRequest(s.SlideId,
            TileSampling.Training(source.CountOf(s.SlideId), S.TilesPerStep, new Random(TileSampling.SeedFor(S.Seed, epoch, s.SlideId)))));
        using var batches = source.Load(requests).GetEnumerator();
        double lossSum = 0;
        int bags = 0;
        for (int step = 0; step < stepsPerEpoch; step++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            int first = step * S.BagsPerStep, count = Math.Min(S.BagsPerStep, order.Length - first);
            for (int b = 0; b < count; b++)
            {
                var slide = order[first + b];
                if (!batches.MoveNext()) throw new InvalidOperationException($"tile source ended before slide '{slide.SlideId}'.");
                using var batch = batches.Current;
                using var cov = data.CovariatesOf(slide);
                lossSum += EndToEndStep.Accumulate(model, batch.Tiles, batch.Context, cov, st.Bins.BinOf(slide.Time), slide.EventObserved,
                    1.0 / count, S.GradientCaching, S.MicroBatch);
                bags++;
            }
            OptimizerFactory.SetLearningRate(optimizer, schedule.At(st.Step));
            optimizer.step();
            st.Step++;
            stepsThisRun++;
            progress?.Report(new TrainingProgress("train", epoch, S.Epochs, step + 1, stepsPerEpoch, lossSum / bags, null,
                stepsThisRun * S.BagsPerStep * (double)S.TilesPerStep / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                Eta(clock, stepsThisRun, (S.Epochs - epoch) * stepsPerEpoch + stepsPerEpoch - step - 1)));
        }
        return lossSum / Math.Max(1, bags);
    }

    private double ValidationC(RunData data, VPTSurvModel model, TileSource source)
    {
        if (data.Val.Count == 0) return double.NaN;
        var logits = PredictLogits(model, source, data.Val, S.InferenceTiles, S.MicroBatch, data.Covariates);
        var risk = logits.Select(l => -DiscreteSurvivalSum(l)).ToArray();
        try
        {
            return Concordance.Harrell(data.Val.Select(s => s.Time).ToArray(), data.Val.Select(s => s.EventObserved).ToArray(), risk).CIndex;
        }
        catch (NoComparablePairsException)
        {
            return double.NaN;
        }
    }

    private static double DiscreteSurvivalSum(double[] logits)
    {
        double acc = 1, sum = 0;
        foreach (var l in logits) { acc *= 1 - 1 / (1 + Math.Exp(-l)); sum += acc; }
        return sum;
    }

    /// <summary>K logits per slide from up to <paramref name="inferenceTiles"/> tiles each (no graph, in micro-batches).</summary>
    internal static IReadOnlyList<double[]> PredictLogits(VPTSurvModel model, TileSource source, IReadOnlyList<SlideRecord> slides,
        int inferenceTiles, int microBatch, CovariateTable covariates)
    {
        bool wasTraining = model.training;
        model.eval();
        var result = new List<double[]>(slides.Count);
        var requests = slides.Select(s => new TileRequest(s.SlideId, TileSampling.Inference(source.CountOf(s.SlideId), inferenceTiles)));
        int i = 0;
        using (no_grad())
            foreach (var batch in source.Load(requests))
            {
                using var scope = NewDisposeScope();
                using var b = batch;
                using var cov = covariates.Of(slides[i++]);
                var pooled = EndToEndStep.Encode(model, b.Tiles, b.Context, cov, microBatch); // (N, d)
                result.Add(model.Decode(pooled).to(ScalarType.Float64).data<double>().ToArray()); // (K)
            }
        if (wasTraining) model.train();
        return result;
    }

    private static TimeSpan Eta(Stopwatch clock, int stepsDone, int stepsLeft) =>
        stepsDone == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / stepsDone * stepsLeft);

    private TileSource DefaultSource(Cohort cohort, IReadOnlyList<SlideRecord> slides, Preset preset)
    {
        bool context = preset.Prompts.Sources.HasFlag(PromptSources.Scale);
        var s = preset.Training;
        if (s.TilePool is { } pool)
            return TilePoolSource.Build(cohort, slides, pool, s.TileSize, s.TargetMpp, context,
                Options.WorkDirectory is { } w ? Path.Combine(w, "tiles") : null);
        return new LiveTileSource(cohort, slides, s.TileSize, s.TargetMpp,
            new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: context));
    }
}
