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
public sealed class EndToEndTrainer : TrainerBase
{
    private const string Method = "end-to-end";

    /// <summary>A trainer for <paramref name="preset"/>.</summary>
    public EndToEndTrainer(Preset preset, TrainerOptions? options = null) : base(preset, options) { }

    /// <summary>Trains on <paramref name="cohort"/>'s training split, selects on validation, and returns the result.</summary>
    public TrainingResult Fit(Cohort cohort, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var data = RunData.Create(Preset, cohort);
        var bins = TimeBins.Fit(new SurvivalTargets(data.Train.Select(s => s.Time).ToArray(), data.Train.Select(s => s.EventObserved).ToArray()), S.Bins);
        var model = Preset.BuildModel(Options.Log);
        var optimizer = OptimizerFactory.Create(model, S.LearningRate, S.WeightDecay);
        return Run(data, model, optimizer, EpochLoop.Start(Method, bins), progress, cancellationToken);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/> (written by a trainer with the same preset, on the same
    /// cohort) from the epoch after the last one it holds.
    /// </summary>
    public TrainingResult Resume(string checkpoint, Cohort cohort, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var meta = EpochLoop.Check(checkpoint, Method, Preset);
        var data = RunData.Create(Preset, cohort);
        var model = Preset.BuildModel(Options.Log);
        var optimizer = OptimizerFactory.Create(model, S.LearningRate, S.WeightDecay);
        var loop = EpochLoop.Resume(checkpoint, meta, Method, PresetJson.WeightsHash(model.Backbone), model, optimizer, Options.Log);
        return Run(data, model, optimizer, loop, progress, cancellationToken);
    }

    private TrainingResult Run(RunData data, VPTSurvModel model, AdamW optimizer, EpochLoop st, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var source = MakeSource(data.Cohort, data.All, liveContext: Preset.Prompts.Sources.HasFlag(PromptSources.Scale));
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
                var outcome = st.End(epoch, loss, valC, schedule.At(st.Step - 1), epochClock.Elapsed.TotalSeconds, model, optimizer, Preset, encoderHash, Options);
                Options.Log?.Invoke($"epoch {epoch}/{S.Epochs}: loss {loss:F4}, validation C {valC:F4}, best epoch {st.BestEpoch}");
                progress?.Report(new TrainingProgress("validate", epoch, S.Epochs, stepsPerEpoch, stepsPerEpoch, loss, valC,
                    stepsThisRun * S.BagsPerStep * (double)S.TilesPerStep / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                    Eta(clock, stepsThisRun, (S.Epochs - epoch) * stepsPerEpoch)));
                if (outcome == EpochOutcome.Paused)
                {
                    completed = false;
                    break;
                }
                if (outcome == EpochOutcome.EarlyStop)
                {
                    Options.Log?.Invoke($"early stop after epoch {epoch}: {st.Stale} epochs without a better validation C");
                    break;
                }
            }
            st.Finish(model, completed);
            optimizer.Dispose();
            model.eval();
            progress?.Report(new TrainingProgress("done", st.Epoch, S.Epochs, 0, 0, double.NaN, st.BestC, 0, TimeSpan.Zero));
            var covariates = data.Covariates;
            return new TrainingResult("end-to-end", Preset, data.Cohort, st.Bins, st.History, st.BestEpoch, st.BestC, completed,
                slides => PredictLogits(model, source, slides, S.InferenceTiles, S.MicroBatch, covariates), model, null, source);
        }
        catch
        {
            st.Release();
            source.Dispose();
            throw;
        }
    }

    private double TrainEpoch(RunData data, VPTSurvModel model, AdamW optimizer, TileSource source, CosineSchedule schedule, EpochLoop st,
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
        var risk = logits.Select(l => -SurvivalSum(l)).ToArray();
        try
        {
            return new HarrellConcordance().Fit(data.Val.Select(s => s.Time).ToArray(), data.Val.Select(s => s.EventObserved).ToArray(), risk).CIndex;
        }
        catch (NoComparablePairsException)
        {
            return double.NaN;
        }
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
}
