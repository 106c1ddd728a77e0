using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Model;
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

    /// <summary>
    /// A trainer whose model decodes with the registry's <paramref name="decoder"/> instead of the preset's VPTSurv
    /// decoder, trained with the decoder's defaults applied to the preset (<see cref="DecoderEntry.TrainingPreset"/>), unless
    /// <paramref name="decoderDefaults"/> is false (a preset that already holds them under the user's own settings, as
    /// the CLI's resolved config does). Spatial decoders (PatchGCN, HVTSurv) read the tile positions the tile source
    /// gives with every bag.
    /// </summary>
    public EndToEndTrainer(Preset preset, DecoderEntry decoder, TrainerOptions? options = null, bool decoderDefaults = true)
        : base(decoderDefaults ? (decoder ?? throw new ArgumentNullException(nameof(decoder))).TrainingPreset(preset) : preset, options) =>
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));

    /// <summary>The registry decoder the model uses; null = the preset's VPTSurv decoder.</summary>
    public DecoderEntry? Decoder { get; }

    /// <summary>
    /// What the checkpoint records and a resume checks: "end-to-end" with the VPTSurv decoder, else "end-to-end/" and
    /// the decoder's type name (so a checkpoint of one decoder is not resumed with another).
    /// </summary>
    public string RunMethod => RunMethodOf(Decoder);

    /// <summary>The <see cref="RunMethod"/> of an end-to-end run with <paramref name="decoder"/> (null: the preset's VPTSurv decoder).</summary>
    public static string RunMethodOf(DecoderEntry? decoder) =>
        decoder is null || decoder.Type == typeof(VPTSurvDecoder) ? Method : $"{Method}/{decoder.Type.Name}";

    /// <summary>Trains on <paramref name="cohort"/>'s training split, selects on validation, and returns the result.</summary>
    /// <exception cref="CohortSplitException">An empty train, val or test split (after the preset's subset), or no death in the train split; thrown before any tile is read.</exception>
    /// <exception cref="NonFiniteException">A step's loss is NaN or infinite (the message names the epoch, the step and its slides).</exception>
    public TrainingResult Fit(Cohort cohort, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var data = RunData.Create(Preset, cohort);
        var bins = TimeBins.Fit(new SurvivalTargets(data.Train.Select(s => s.Time).ToArray(), data.Train.Select(s => s.EventObserved).ToArray()), S.Bins);
        var model = Preset.BuildModel(Decoder, Options.Log, Options.Device);
        var optimizer = OptimizerFactory.Create(model, S.LearningRate, S.WeightDecay);
        return Run(data, model, optimizer, RunIdentity.Attach(EpochLoop.Start(RunMethod, bins, TrainingRandom(model)), Preset, data, bins), progress, cancellationToken);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/> (written by a trainer with the same preset, on the same
    /// cohort) from the epoch after the last one it holds.
    /// </summary>
    public TrainingResult Resume(string checkpoint, Cohort cohort, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var meta = EpochLoop.Check(checkpoint, Method, Preset);
        var data = RunData.Create(Preset, cohort);
        var model = Preset.BuildModel(Decoder, Options.Log, Options.Device);
        var optimizer = OptimizerFactory.Create(model, S.LearningRate, S.WeightDecay);
        var loop = RunIdentity.Attach(EpochLoop.Resume(checkpoint, meta, RunMethod, PresetJson.WeightsHash(model.Backbone), model, optimizer,
                TrainingRandom(model), Options.Log),
            Preset, data, checkpoint: checkpoint, meta: meta);
        return Run(data, model, optimizer, loop, progress, cancellationToken);
    }

    private TrainingResult Run(RunData data, VPTSurvModel model, AdamW optimizer, EpochLoop st, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var source = MakeSource(data.Cohort, data.All, liveContext: Preset.Prompts.Needs.HasFlag(SlideInputParts.Context));
        try
        {
            st.Standardization ??= FitStandardization(model, source, data.Train);
            model.Standardizer.Set(st.Standardization);
            var group = Group();
            int stepsPerEpoch = StepShard.StepsPerEpoch(data.Train.Count, S.BagsPerStep, group.Size);
            SlideRecord[] order = [];
            IEnumerator<TileBatch>? batches = null;
            var trainer = new EpochTrainer
            {
                Model = model,
                Optimizer = optimizer,
                Train = data.Train,
                Val = data.Val,
                StepsPerEpoch = stepsPerEpoch,
                TilesPerStep = S.BagsPerStep * (double)S.TilesPerStep,
                Risk = slides => [.. PredictLogits(model, source, slides, S.InferenceTiles, S.MicroBatch, data.Covariates).Select(l => DiscreteTimeHead.RiskOf(l))],
                BeginEpoch = epoch =>
                {
                    order = data.Train.ToArray();
                    new Random(TileSampling.SeedFor(S.Seed, epoch, "slide order")).Shuffle(order);
                    batches?.Dispose();
                    batches = source.Load(StepShard.Mine(order, S.BagsPerStep, group.Size, group.Rank).Select(s => new TileRequest(s.SlideId,
                        TileSampling.Training(source.CountOf(s.SlideId), S.TilesPerStep, new Random(TileSampling.SeedFor(S.Seed, epoch, s.SlideId)))))).GetEnumerator();
                },
                Step = (_, k, record) => group.Step(model, optimizer, order, k, S.BagsPerStep, (slide, bags) =>
                {
                    if (!batches!.MoveNext()) throw new InvalidOperationException($"tile source ended before slide '{slide.SlideId}'.");
                    using var batch = batches.Current;
                    using var cov = data.CovariatesOf(slide);
                    return EndToEndStep.Accumulate(model, batch.Input(cov), LossOf(slide, st),
                        1.0 / bags, S.GradientCaching, S.MicroBatch, logits => record(slide, DiscreteTimeHead.RiskOf(logits)));
                }),
            };
            bool completed;
            try { completed = st.Drive(trainer, Preset, PresetJson.WeightsHash(model.Backbone), Options, progress, ct); }
            finally { batches?.Dispose(); }
            optimizer.Dispose();
            progress?.Report(new TrainingProgress("done", st.Epoch, S.Epochs, 0, 0, double.NaN, st.BestC, 0, TimeSpan.Zero));
            var covariates = data.Covariates;
            double shift = completed ? PromptShiftOn(model, source, data.Val, covariates) : double.NaN;
            Options.Log?.Invoke($"prompt shift of the selected model on {Math.Min(data.Val.Count, PromptShiftSlides)} validation slides: {shift:F4} SD");
            return new TrainingResult("end-to-end", Preset, data.Cohort, st, completed,
                slides => PredictLogits(model, source, slides, S.InferenceTiles, S.MicroBatch, covariates), model, null, source,
                () => PresetJson.WeightsHash(model.Backbone)) { PromptShift = shift, Covariates = data.CovariateScaling };
        }
        catch
        {
            st.Release();
            source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The loss of one training bag's (1, K) logits (<see cref="TrainingSettings.Loss"/>): the discrete-time NLL of its
    /// time bin, or the Cox partial likelihood of its risk against the run's memory bank (which it then joins).
    /// </summary>
    private Func<Tensor, Tensor> LossOf(SlideRecord slide, EpochLoop st)
    {
        var bank = st.CoxBankFor(S);
        if (bank is null)
            return logits => SurvivalLoss.DiscreteTimeNll(logits, tensor(new[] { st.Bins.BinOf(slide.Time) }, ScalarType.Int64),
                tensor(new[] { slide.EventObserved ? 1f : 0f }));
        return logits => bank.Loss(DiscreteTimeHead.Risk(logits), tensor(new[] { slide.Time }),
            tensor(new[] { slide.EventObserved ? 1.0 : 0.0 }));
    }

    /// <summary>
    /// The decoder-input standardisation: mean and SD of the frozen (prompt-free) pooled tokens of the training
    /// slides' inference tiles — what the decoder sees at the start, since Up is zero.
    /// </summary>
    private FeatureStandardization FitStandardization(VPTSurvModel model, TileSource source, IReadOnlyList<SlideRecord> train)
    {
        var features = new List<Tensor>();
        try
        {
            var requests = train.Select(s => new TileRequest(s.SlideId, TileSampling.Inference(source.CountOf(s.SlideId), S.InferenceTiles)));
            foreach (var batch in source.Load(requests))
            {
                using var b = batch;
                using var scope = NewDisposeScope();
                var parts = new List<Tensor>();
                for (long start = 0; start < b.Count; start += S.MicroBatch)
                    parts.Add(model.FrozenFeatures(b.Tiles.narrow(0, start, Math.Min(S.MicroBatch, b.Count - start))));
                features.Add(cat(parts, 0).MoveToOuterDisposeScope()); // (N, d)
            }
            var fitted = FeatureStandardization.Fit(features);
            Options.Log?.Invoke($"decoder-input standardisation fitted on {train.Count} training slides ({features.Sum(f => f.shape[0])} tiles)");
            return fitted;
        }
        finally
        {
            foreach (var f in features) f.Dispose();
        }
    }

    /// <summary>
    /// K logits of each of <paramref name="slides"/> (of <paramref name="cohort"/>, after the preset's subset) by a
    /// trained <paramref name="model"/>: the preset's tile source and inference tiles, as <see cref="TrainingResult.Predict"/>
    /// (the tabular prompt's covariates standardised by <paramref name="covariateScaling"/>, the training split's).
    /// </summary>
    internal IReadOnlyList<double[]> Predict(VPTSurvModel model, Cohort cohort, IReadOnlyList<SlideRecord> slides, CovariateStandardization? covariateScaling)
    {
        using var source = MakeSource(cohort, slides, liveContext: Preset.Prompts.Needs.HasFlag(SlideInputParts.Context));
        // The training split's standardisation saved with the model; a model file without one (written before it was
        // saved) falls back to this cohort's training split.
        var covariates = Preset.Prompts.Needs.HasFlag(SlideInputParts.Covariates)
            ? (covariateScaling ?? CovariateStandardization.Fit(cohort, Preset.Prompts.Covariates)).Apply(cohort)
            : CovariateTable.None;
        return PredictLogits(model, source, slides, S.InferenceTiles, S.MicroBatch, covariates);
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
                var pooled = EndToEndStep.Encode(model, b.Input(cov), microBatch); // (N, d)
                result.Add(model.Decode(pooled, b.Positions).to(ScalarType.Float64, CPU).data<double>().ToArray()); // (K)
            }
        if (wasTraining) model.train();
        return result;
    }
    /// <summary>Validation slides the prompt shift is measured on (their inference tiles).</summary>
    private const int PromptShiftSlides = 16;

    /// <summary>RMS of <see cref="VPTSurvModel.PromptShift"/> over the inference tiles of the first validation slides.</summary>
    private double PromptShiftOn(VPTSurvModel model, TileSource source, IReadOnlyList<SlideRecord> val, CovariateTable covariates)
    {
        var slides = val.Take(PromptShiftSlides).ToList();
        if (slides.Count == 0) return double.NaN;
        bool wasTraining = model.training;
        model.eval();
        double sum = 0;
        long count = 0;
        int i = 0;
        foreach (var batch in source.Load(slides.Select(s => new TileRequest(s.SlideId, TileSampling.Inference(source.CountOf(s.SlideId), S.InferenceTiles)))))
        {
            using var b = batch;
            using var cov = covariates.Of(slides[i++]);
            var input = b.Input(cov);
            for (long start = 0; start < b.Count; start += S.MicroBatch)
            {
                var (ss, n) = model.PromptShift(input.Narrow(start, Math.Min(S.MicroBatch, b.Count - start)));
                (sum, count) = (sum + ss, count + n);
            }
        }
        if (wasTraining) model.train();
        return count == 0 ? double.NaN : Math.Sqrt(sum / count);
    }
}
