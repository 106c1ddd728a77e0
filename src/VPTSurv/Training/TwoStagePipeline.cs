using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using VPTSurv.Survival;
using static TorchSharp.torch;
using Bag = VPTSurv.Decoders.Bag;

namespace VPTSurv.Training;

/// <summary>Features (and tile positions) of the slides that could be extracted, and those that could not.</summary>
/// <param name="Features">(N, d) per slide id.</param>
/// <param name="Extracted">Slides encoded in this call.</param>
/// <param name="FromCache">Slides read from the cache.</param>
/// <param name="Failed">Slides that failed (id and message; also in the cache's failure log).</param>
/// <param name="TilesPerSecond">Tiles encoded per second in this call (NaN when everything came from the cache).</param>
public sealed record FeatureSet(IReadOnlyDictionary<string, Tensor> Features, int Extracted, int FromCache,
    IReadOnlyList<(string SlideId, string Error)> Failed, double TilesPerSecond) : IDisposable
{
    /// <summary>
    /// (N, 2) float32 tile positions per slide id, row i the position of feature row i (<see cref="TilePositions"/>:
    /// pixels at the target MPP); a slide whose tile source gave no positions is absent.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Positions { get; init; } = new Dictionary<string, Tensor>();

    /// <summary>SHA-256 of the frozen encoder's weights that made the features.</summary>
    public string EncoderHash { get; init; } = "";

    /// <summary>The bag of a slide for a decoder: its features and, when known, its positions as <see cref="Bag.Coordinates"/>.</summary>
    public Bag BagOf(string slideId) =>
        Features.TryGetValue(slideId, out var f) ? new Bag(f, Positions.GetValueOrDefault(slideId))
        : throw new KeyNotFoundException($"two-stage: no features for slide '{slideId}' (its extraction failed or it was not asked for).");

    /// <summary>
    /// A copy whose features are standardised by <paramref name="standardization"/> (positions and the encoder hash
    /// kept); the decoder reads these.
    /// </summary>
    public FeatureSet Standardized(FeatureStandardization standardization)
    {
        ArgumentNullException.ThrowIfNull(standardization);
        return this with
        {
            Features = Features.ToDictionary(p => p.Key, p => standardization.Apply(p.Value), StringComparer.Ordinal),
            Positions = Positions.ToDictionary(p => p.Key, p => p.Value.clone(), StringComparer.Ordinal),
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Features.Values) t.Dispose();
        foreach (var t in Positions.Values) t.Dispose();
    }
}

/// <summary>
/// The two-stage baseline: the frozen encoder (no prompts) turns every candidate tile into a pooled feature once
/// (<see cref="Extract"/>, cached by content, with each tile's position), then a bag decoder — the VPTSurv decoder or
/// any baseline, the spatial ones (PatchGCN, HVTSurv) included — is trained on the bags of all tiles' features with the
/// preset's optimiser, schedule, epochs and model selection. With <see cref="TrainerOptions.CheckpointPath"/> the
/// decoder training is checkpointed after every epoch (<see cref="TrainingCheckpoint"/>, as end-to-end) and
/// <see cref="Resume"/> continues it exactly.
/// </summary>
/// <example><code>
/// var pipeline = new TwoStagePipeline(Preset.Cpu, DecoderRegistry.Get("patchgcn"), new TrainerOptions { WorkDirectory = "work" });
/// using var result = pipeline.Fit(cohort);
/// </code></example>
public sealed class TwoStagePipeline : TrainerBase
{
    private const string Family = "two-stage";

    /// <summary>A pipeline for <paramref name="preset"/> (its encoder, tiles and training settings).</summary>
    public TwoStagePipeline(Preset preset, TrainerOptions? options = null) : base(preset, options) => Decoder = DecoderRegistry.Get("vptsurv");

    /// <summary>
    /// A pipeline that trains the registry's <paramref name="decoder"/> (sized for <paramref name="preset"/>), with the
    /// decoder's training defaults applied to the preset (<see cref="DecoderEntry.TrainingPreset"/>).
    /// </summary>
    public TwoStagePipeline(Preset preset, DecoderEntry decoder, TrainerOptions? options = null)
        : base((decoder ?? throw new ArgumentNullException(nameof(decoder))).TrainingPreset(preset), options) => Decoder = decoder;

    /// <summary>The decoder <see cref="Fit"/> and <see cref="Resume"/> build when they are given no factory.</summary>
    public DecoderEntry Decoder { get; }

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
        using var source = MakeSource(cohort, slides, liveContext: false, Fail);
        using var model = Preset.BuildModel(null, Options.Log, Options.Device);
        var hash = PresetJson.WeightsHash(model.Backbone);
        var features = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var positions = new Dictionary<string, Tensor>(StringComparer.Ordinal);
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
                    var cached = cache.Read(s.SlideId, key);
                    features[s.SlideId] = cached.Features;
                    if (cached.Positions is { } p) positions[s.SlideId] = p;
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
                    var f = cat(parts, 0).cpu(); // (N, d), kept and cached on the CPU
                    Finite.Require(f, $"features of slide '{slide.SlideId}' ({slide.Source}); not cached");
                    var xy = batch.Positions?.clone(); // (N, 2)
                    cache.Write(slide.SlideId, key, f, xy);
                    features[slide.SlideId] = f.MoveToOuterDisposeScope();
                    if (xy is not null) positions[slide.SlideId] = xy.MoveToOuterDisposeScope();
                    tiles += batch.Count;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or SlideRegionException or InvalidOperationException or NonFiniteException)
                {
                    Fail(slide, e);
                }
                done++;
                progress?.Report(new TrainingProgress("extract", 0, 0, done, todo.Count, double.NaN, null, tiles / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                    TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (todo.Count - done))));
            }
        Options.Log?.Invoke($"features: {todo.Count - failed.Count} slides extracted ({tiles} tiles), {fromCache} from the cache, {failed.Count} failed");
        return new FeatureSet(features, done, fromCache, failed, tiles == 0 ? double.NaN : tiles / clock.Elapsed.TotalSeconds)
        {
            Positions = positions,
            EncoderHash = hash,
        };
    }

    /// <summary>
    /// Extracts (or reads cached) features of the run's slides into <c>WorkDirectory/features</c> (a temporary folder
    /// when none is set) and trains the decoder <paramref name="makeDecoder"/> builds on them (built from the seed's "decoder" stream,
    /// <see cref="RandomStreams"/>: the same initial VPTSurv decoder as end to end; features standardised with the
    /// training split's statistics, <see cref="FeatureStandardization"/>).
    /// Null builds <see cref="Decoder"/> (by default the preset's VPTSurv decoder, "only VPTSurv decoder"). Spatial decoders
    /// (<see cref="BagDecoder.NeedsCoordinates"/>) get each bag's tile positions (<see cref="TilePositions"/>); a decoder
    /// with a <see cref="BagDecoder.CoordinateStep"/> (HVTSurv) must assume the preset's tile size.
    /// </summary>
    /// <exception cref="CohortSplitException">An empty train, val or test split (after the preset's subset), or no death in the train split; thrown before any tile is read or feature extracted.</exception>
    /// <exception cref="NonFiniteException">A step's loss is NaN or infinite (the message names the epoch, the step and its slides).</exception>
    public TrainingResult Fit(Cohort cohort, Func<BagDecoder>? makeDecoder = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        Run(cohort, makeDecoder, null, progress, cancellationToken);

    /// <summary>
    /// Continues the decoder training saved in <paramref name="checkpoint"/> (written by a pipeline with the same preset
    /// and a decoder of the same type, on the same cohort) from the epoch after the last one it holds; the features come
    /// from the cache as in <see cref="Fit"/>. Training 2 epochs in one go equals 1 epoch, stop, and resume for 1.
    /// </summary>
    public TrainingResult Resume(string checkpoint, Cohort cohort, Func<BagDecoder>? makeDecoder = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Run(cohort, makeDecoder, (checkpoint, EpochLoop.Check(checkpoint, Family, Preset)), progress, cancellationToken);
    }

    private TrainingResult Run(Cohort cohort, Func<BagDecoder>? makeDecoder, (string Path, TrainingCheckpoint.Meta Meta)? checkpoint,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var data = RunData.Create(Preset, cohort);
        FeatureSet set;
        string failureHint;
        using (var cache = FeatureCache.ForRun(Options.WorkDirectory))
        {
            set = Extract(data.Cohort, data.All, cache, progress);
            failureHint = cache.FailureHint;
        }
        try
        {
            var train = data.Train.Where(s => set.Features.ContainsKey(s.SlideId)).ToList();
            var val = data.Val.Where(s => set.Features.ContainsKey(s.SlideId)).ToList();
            if (train.Count == 0) throw new InvalidOperationException("two-stage: no training slide has features (see the failure log).");
            var bins = TimeBins.Fit(new SurvivalTargets(train.Select(s => s.Time).ToArray(), train.Select(s => s.EventObserved).ToArray()), S.Bins);
            var decoder = RandomStreams.Build(S.Seed, RandomStreams.Names.Decoder, () => makeDecoder?.Invoke() ?? Decoder.Build(Preset));
            if (Options.Device is { } device && device.type != DeviceType.CPU) decoder.to(device);
            var random = TrainingRandom(decoder);
            CheckDecoder(decoder, set, [.. train, .. val]);
            var method = $"{Family}/{decoder.GetType().Name}";
            int steps = StepShard.StepsPerEpoch(train.Count, S.BagsPerStep, Group().Size);
            using var optimizer = OptimizerFactory.Create(decoder, S.LearningRate, S.WeightDecay);
            var loop = RunIdentity.Attach(checkpoint is { } c
                ? EpochLoop.Resume(c.Path, c.Meta, method, set.EncoderHash, decoder, optimizer, random, Options.Log)
                : EpochLoop.Start(method, bins, random), Preset, data, bins, checkpoint?.Path, checkpoint?.Meta);
            loop.Standardization ??= FeatureStandardization.Fit(train.Select(s => set.Features[s.SlideId]));
            var features = set.Standardized(loop.Standardization);
            set.Dispose();
            set = features;
            bool completed = TrainDecoder(decoder, optimizer, loop, features, train, val, steps, progress, cancellationToken);
            return new TrainingResult(Family, Preset, data.Cohort, loop, completed,
                slides => slides.Select(s => features.Features.ContainsKey(s.SlideId)
                    ? DecodeLogits(decoder, features.BagOf(s.SlideId))
                    : throw new InvalidOperationException($"two-stage: no features for slide '{s.SlideId}' (extraction failed: {FailureOf(features, s.SlideId)}){failureHint}")).ToList(),
                null, decoder, features, () => features.EncoderHash);
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    private void CheckDecoder(BagDecoder decoder, FeatureSet set, IEnumerable<SlideRecord> used)
    {
        if (decoder.InputDim != Preset.Encoder.Width)
            throw new ArgumentException($"two-stage: the decoder reads {decoder.InputDim}-wide features, the encoder gives {Preset.Encoder.Width}.");
        if (decoder.Bins != S.Bins)
            throw new ArgumentException($"two-stage: the decoder has {decoder.Bins} bins, the preset {S.Bins}.");
        if (decoder.CoordinateStep is { } step && step != S.TileSize)
            throw new ArgumentException($"two-stage: {decoder.GetName()} assumes tiles {step} apart (its CoordinateStep), but tile positions are in pixels at the target MPP, " +
                $"one tile = the preset's TileSize {S.TileSize} apart; build it with a step of {S.TileSize}.");
        if (decoder.NeedsCoordinates && used.FirstOrDefault(s => !set.Positions.ContainsKey(s.SlideId)) is { } missing)
            throw new ArgumentException($"two-stage: {decoder.GetName()} is spatial and needs tile positions, but the tile source gave none for slide " +
                $"'{missing.SlideId}' (TileBatch.Positions is null; the built-in sources give them).");
    }

    private bool TrainDecoder(BagDecoder decoder, OptimizerHelper optimizer, EpochLoop loop, FeatureSet set, List<SlideRecord> train,
        List<SlideRecord> val, int steps, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var coxBank = loop.CoxBankFor(S);
        var group = Group();
        var device = Options.Device ?? CPU;
        SlideRecord[] order = [];
        var trainer = new EpochTrainer
        {
            Model = decoder,
            Optimizer = optimizer,
            Train = train,
            Val = val,
            StepsPerEpoch = steps,
            Risk = slides => [.. slides.Select(s => DiscreteTimeHead.RiskOf(DecodeLogits(decoder, set.BagOf(s.SlideId))))],
            BeginEpoch = epoch =>
            {
                order = train.ToArray();
                new Random(TileSampling.SeedFor(S.Seed, epoch, "slide order")).Shuffle(order);
            },
            Step = (_, k, record) => group.Step(decoder, optimizer, order, k, S.BagsPerStep, (s, bags) =>
            {
                var logits = decoder.forward(set.BagOf(s.SlideId).To(device)).view(1, -1); // (1, K)
                var loss = coxBank is null
                    ? SurvivalLoss.DiscreteTimeNll(logits, tensor(new long[] { loop.Bins.BinOf(s.Time) }), tensor(new[] { s.EventObserved ? 1f : 0f }))
                    : coxBank.Loss(DiscreteTimeHead.Risk(logits), tensor(new[] { s.Time }), tensor(new[] { s.EventObserved ? 1.0 : 0.0 }));
                (loss / bags).backward();
                record(s, DiscreteTimeHead.RiskOf(logits.detach().to(ScalarType.Float64, CPU).data<double>().ToArray()));
                return loss.item<float>();
            }),
        };
        return loop.Drive(trainer, Preset, set.EncoderHash, Options, progress, ct);
    }

    private static string FailureOf(FeatureSet set, string slideId) =>
        set.Failed.FirstOrDefault(f => f.SlideId == slideId).Error ?? "not extracted";

    /// <summary>The decoder's K logits of one bag, in eval mode and without a graph (its training mode restored).</summary>
    internal static double[] DecodeLogits(BagDecoder decoder, Bag bag)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        bool training = decoder.training;
        decoder.eval();
        var logits = decoder.forward(bag.To(decoder.Device)).to(ScalarType.Float64, CPU).data<double>().ToArray();
        if (training) decoder.train();
        return logits;
    }
}
