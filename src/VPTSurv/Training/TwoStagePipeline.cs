using System.Diagnostics;
using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Prompts;
using VPTSurv.Slides;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>Features of the slides that could be extracted, and those that could not.</summary>
/// <param name="Features">(N, d) per slide id.</param>
/// <param name="Extracted">Slides encoded in this call.</param>
/// <param name="FromCache">Slides read from the cache.</param>
/// <param name="Failed">Slides that failed (id and message; also in the cache's failure log).</param>
/// <param name="TilesPerSecond">Tiles encoded per second in this call (NaN when everything came from the cache).</param>
public sealed record FeatureSet(IReadOnlyDictionary<string, Tensor> Features, int Extracted, int FromCache,
    IReadOnlyList<(string SlideId, string Error)> Failed, double TilesPerSecond) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Features.Values) t.Dispose();
    }
}

/// <summary>
/// The two-stage baseline: the frozen encoder (no prompts) turns every candidate tile into a pooled feature once
/// (<see cref="Extract"/>, cached by content), then a bag decoder — the VPTSurv decoder or any baseline — is
/// trained on the bags of all tiles' features with the preset's optimiser, schedule, epochs and model selection.
/// </summary>
public sealed class TwoStagePipeline
{
    /// <summary>A pipeline for <paramref name="preset"/> (its encoder, tiles and training settings).</summary>
    public TwoStagePipeline(Preset preset, TrainerOptions? options = null)
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

    /// <summary>
    /// Extracts the features of <paramref name="slides"/> into <paramref name="cache"/>, skipping slides already
    /// there; a slide that fails is logged and left out.
    /// </summary>
    public FeatureSet Extract(Cohort cohort, IReadOnlyList<SlideRecord> slides, FeatureCache cache, IProgress<TrainingProgress>? progress = null)
    {
        var failed = new List<(string, string)>();
        void Fail(SlideRecord s, Exception e)
        {
            cache.LogFailure(s.SlideId, e);
            failed.Add((s.SlideId, e.Message));
        }
        using var source = MakeSource(cohort, slides, Fail);
        using var model = Preset.BuildModel(Options.Log);
        var hash = PresetJson.WeightsHash(model.Backbone);
        var features = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var todo = new List<(SlideRecord Slide, string Key)>();
        int fromCache = 0;
        foreach (var s in slides)
        {
            if (failed.Any(f => f.Item1 == s.SlideId) || features.ContainsKey(s.SlideId)) continue;
            var key = FeatureCache.Key(source.Identity(s.SlideId), hash);
            if (cache.Contains(s.SlideId, key))
            {
                try
                {
                    features[s.SlideId] = cache.Read(s.SlideId, key);
                    fromCache++;
                    continue;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or Encoders.Checkpoints.CheckpointFormatException)
                {
                    Options.Log?.Invoke($"re-extracting '{s.SlideId}': {e.Message}");
                }
            }
            todo.Add((s, key));
        }
        var clock = Stopwatch.StartNew();
        long tiles = 0;
        int done = 0;
        var requests = todo.Select(t => new TileRequest(t.Slide.SlideId, Enumerable.Range(0, source.CountOf(t.Slide.SlideId)).ToArray()));
        using (var batches = source.Load(requests).GetEnumerator())
            foreach (var (slide, key) in todo)
            {
                try
                {
                    if (!batches.MoveNext()) throw new InvalidOperationException("the tile source ended early");
                    using var batch = batches.Current;
                    using var scope = NewDisposeScope();
                    var parts = new List<Tensor>();
                    for (long start = 0; start < batch.Count; start += S.MicroBatch)
                        parts.Add(model.FrozenFeatures(batch.Tiles.narrow(0, start, Math.Min(S.MicroBatch, batch.Count - start))));
                    var f = cat(parts, 0); // (N, d)
                    cache.Write(slide.SlideId, key, f);
                    features[slide.SlideId] = f.MoveToOuterDisposeScope();
                    tiles += batch.Count;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or SlideRegionException or InvalidOperationException)
                {
                    Fail(slide, e);
                }
                done++;
                progress?.Report(new TrainingProgress("extract", 0, 0, done, todo.Count, double.NaN, null, tiles / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                    TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (todo.Count - done))));
            }
        Options.Log?.Invoke($"features: {todo.Count - failed.Count} slides extracted ({tiles} tiles), {fromCache} from the cache, {failed.Count} failed");
        return new FeatureSet(features, done, fromCache, failed, tiles == 0 ? double.NaN : tiles / clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Extracts (or reads cached) features of the run's slides into <c>WorkDirectory/features</c> (a temporary folder
    /// when none is set) and trains the decoder <paramref name="makeDecoder"/> builds (seeded before the call) on them.
    /// Null builds the preset's VPTSurv decoder ("only VPTSurv decoder").
    /// </summary>
    public TrainingResult Fit(Cohort cohort, Func<BagDecoder>? makeDecoder = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var data = RunData.Create(Preset, cohort);
        var cacheDir = Options.WorkDirectory is { } w ? Path.Combine(w, "features") : Directory.CreateTempSubdirectory("vptsurv-features-").FullName;
        var set = Extract(data.Cohort, data.All, new FeatureCache(cacheDir), progress);
        try
        {
            var train = data.Train.Where(s => set.Features.ContainsKey(s.SlideId)).ToList();
            var val = data.Val.Where(s => set.Features.ContainsKey(s.SlideId)).ToList();
            if (train.Count == 0) throw new InvalidOperationException("two-stage: no training slide has features (see the failure log).");
            var bins = TimeBins.Fit(new SurvivalTargets(train.Select(s => s.Time).ToArray(), train.Select(s => s.EventObserved).ToArray()), S.Bins);
            torch.random.manual_seed(S.Seed);
            var decoder = makeDecoder?.Invoke() ?? new VPTSurvDecoder(Preset.Decoder);
            if (decoder.InputDim != Preset.Encoder.Width)
                throw new ArgumentException($"two-stage: the decoder reads {decoder.InputDim}-wide features, the encoder gives {Preset.Encoder.Width}.");
            if (decoder.Bins != S.Bins)
                throw new ArgumentException($"two-stage: the decoder has {decoder.Bins} bins, the preset {S.Bins}.");
            var (history, bestEpoch, bestC) = TrainDecoder(decoder, set, train, val, bins, progress, cancellationToken);
            var features = set.Features;
            var result = new TrainingResult("two-stage", Preset, data.Cohort, bins, history, bestEpoch, bestC, true,
                slides => slides.Select(s => features.TryGetValue(s.SlideId, out var f)
                    ? DecodeLogits(decoder, f)
                    : throw new InvalidOperationException($"two-stage: no features for slide '{s.SlideId}' (extraction failed; see {cacheDir}/failures.log)")).ToList(),
                null, decoder, set);
            return result;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    private (List<EpochRecord>, int, double) TrainDecoder(BagDecoder decoder, FeatureSet set, List<SlideRecord> train, List<SlideRecord> val,
        TimeBins bins, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        int steps = (train.Count + S.BagsPerStep - 1) / S.BagsPerStep;
        var schedule = new CosineSchedule(S.LearningRate, S.Epochs * steps);
        using var optimizer = OptimizerFactory.Create(decoder, S.LearningRate, S.WeightDecay);
        var history = new List<EpochRecord>();
        Dictionary<string, Tensor> best = [];
        int bestEpoch = 0, stale = 0, step = 0;
        double bestC = double.NaN;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int epoch = 1; epoch <= S.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                decoder.train();
                var order = train.ToArray();
                new Random(TileSampling.SeedFor(S.Seed, epoch, "slide order")).Shuffle(order);
                double lossSum = 0;
                for (int k = 0; k < steps; k++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    int first = k * S.BagsPerStep, count = Math.Min(S.BagsPerStep, order.Length - first);
                    for (int b = 0; b < count; b++)
                    {
                        var s = order[first + b];
                        var logits = decoder.forward(new Decoders.Bag(set.Features[s.SlideId])).view(1, -1); // (1, K)
                        var loss = SurvivalLoss.DiscreteTimeNll(logits, tensor(new long[] { bins.BinOf(s.Time) }), tensor(new[] { s.EventObserved ? 1f : 0f }));
                        (loss / count).backward();
                        lossSum += loss.item<float>();
                    }
                    OptimizerFactory.SetLearningRate(optimizer, schedule.At(step++));
                    optimizer.step();
                    progress?.Report(new TrainingProgress("train", epoch, S.Epochs, k + 1, steps, lossSum / Math.Min(order.Length, first + count), null,
                        double.NaN, TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / step * (S.Epochs * steps - step))));
                }
                double valC = double.NaN;
                if (val.Count > 0)
                {
                    var risk = val.Select(s => -SurvivalSum(DecodeLogits(decoder, set.Features[s.SlideId]))).ToArray();
                    try { valC = Concordance.Harrell(val.Select(s => s.Time).ToArray(), val.Select(s => s.EventObserved).ToArray(), risk).CIndex; }
                    catch (NoComparablePairsException) { }
                }
                history.Add(new EpochRecord(epoch, lossSum / train.Count, valC, schedule.At(step - 1), epochClock.Elapsed.TotalSeconds));
                if (bestEpoch == 0 || (double.IsFinite(valC) && !(valC <= bestC)))
                {
                    foreach (var t in best.Values) t.Dispose();
                    best = TrainingCheckpoint.Trainable(decoder).ToDictionary(p => p.Key, p => p.Value.detach().clone());
                    (bestEpoch, bestC, stale) = (epoch, valC, 0);
                }
                else stale++;
                progress?.Report(new TrainingProgress("validate", epoch, S.Epochs, steps, steps, lossSum / train.Count, valC, double.NaN,
                    TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / epoch * (S.Epochs - epoch))));
                Options.Log?.Invoke($"two-stage epoch {epoch}/{S.Epochs}: loss {lossSum / train.Count:F4}, validation C {valC:F4}");
                if (S.Patience is { } p && stale >= p) break;
            }
            TrainingCheckpoint.LoadTrainable("best epoch", decoder, best);
            decoder.eval();
            return (history, bestEpoch, bestC);
        }
        finally
        {
            foreach (var t in best.Values) t.Dispose();
        }
    }

    private static double[] DecodeLogits(BagDecoder decoder, Tensor features)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        bool training = decoder.training;
        decoder.eval();
        var logits = decoder.forward(new Decoders.Bag(features)).to(ScalarType.Float64).data<double>().ToArray();
        if (training) decoder.train();
        return logits;
    }

    private static double SurvivalSum(double[] logits)
    {
        double acc = 1, sum = 0;
        foreach (var l in logits) { acc *= 1 - 1 / (1 + Math.Exp(-l)); sum += acc; }
        return sum;
    }

    private TileSource MakeSource(Cohort cohort, IReadOnlyList<SlideRecord> slides, Action<SlideRecord, Exception> fail)
    {
        if (Options.Source is { } make) return make(cohort, slides, Preset);
        if (S.TilePool is { } pool)
            // With the end-to-end run's context setting, so both pipelines share one tile cache.
            return TilePoolSource.Build(cohort, slides, pool, S.TileSize, S.TargetMpp, Preset.Prompts.Sources.HasFlag(PromptSources.Scale),
                Options.WorkDirectory is { } w ? Path.Combine(w, "tiles") : null, onFailure: fail);
        return new LiveTileSource(cohort, slides, S.TileSize, S.TargetMpp,
            new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: false), onFailure: fail);
    }
}
