using System.Security.Cryptography;
using System.Text;
using VPTSurv.Data;
using VPTSurv.Training;

namespace VPTSurv.Distributed.Sharding;

/// <summary>Settings of a <see cref="ShardedExtraction"/>; all optional.</summary>
public sealed record ShardedExtractionOptions
{
    /// <summary>This worker's share of the slides (default: all).</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>
    /// How long a lock recorded by a worker on another host counts when the file system ignores OS locks (default 1 h);
    /// on a local file system a dead worker's lock is free at once, whatever this says.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Slides encoded per call of the pipeline (default 8): the encoder is built once per batch; a worker killed mid-batch
    /// leaves at most this many slides in the cache without a "done" state, which its rerun finds there (nothing recomputed).
    /// </summary>
    public int Batch { get; init; } = 8;

    /// <summary>Progress per slide ("slides" phase; step = slides handled of this shard).</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Log lines (one per slide).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Where the frozen encoder computes (for example <c>cuda:{local rank}</c>); null = CPU.</summary>
    public TorchSharp.torch.Device? Device { get; init; }
}

/// <summary>
/// Two-stage feature extraction of one shard of a cohort's slides into the content-keyed caches under one folder
/// (<c>features/</c>, <c>tiles/</c>, as <see cref="TwoStagePipeline"/> with that work directory), idempotent and safe to
/// run as several workers at once: each slide is claimed through a <see cref="SlideLedger"/> in <c>state/</c>, skipped when
/// its state says done and its cache file exists, otherwise extracted (or found in the cache) and recorded. A killed
/// worker's rerun finishes its slides and recomputes none that were done; the cache files equal a single-process run's.
/// </summary>
public static class ShardedExtraction
{
    /// <summary>The ledger's folder inside a cache folder.</summary>
    public static string StateDirectory(string cacheDirectory) => Path.Combine(cacheDirectory, "state");

    /// <summary>
    /// Extracts this worker's shard of <paramref name="slides"/> (of <paramref name="cohort"/>) with
    /// <paramref name="preset"/>'s frozen encoder and tiles into <paramref name="cacheDirectory"/>; returns the shard's summary.
    /// </summary>
    public static ShardSummary Run(Preset preset, Cohort cohort, IReadOnlyList<SlideRecord> slides, string cacheDirectory,
        ShardedExtractionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(slides);
        options ??= new ShardedExtractionOptions();
        cacheDirectory = Path.GetFullPath(cacheDirectory);
        var mine = options.Shard.Take(slides, s => s.SlideId);
        var byId = mine.ToDictionary(s => s.SlideId, StringComparer.Ordinal);
        var ledger = new SlideLedger(StateDirectory(cacheDirectory), options.Shard, options.LockTimeout);
        var cache = new FeatureCache(Path.Combine(cacheDirectory, "features"));
        string encoderHash;
        using (var model = preset.BuildModel()) encoderHash = PresetJson.WeightsHash(model.Backbone);
        return ShardedWork.Run(ledger, [.. mine.Select(s => s.SlideId)], id => Fingerprint(preset, cohort, byId[id], encoderHash),
            state => File.Exists(Path.Combine(cache.DirectoryPath, state.File!)), ids => ExtractBatch(preset, cohort, [.. ids.Select(id => byId[id])], cacheDirectory, cache, encoderHash, options.Device),
            options.Batch, options.Progress, options.Log, cancellationToken, [cache.DirectoryPath, Path.Combine(cacheDirectory, "tiles")]);
    }

    /// <summary>
    /// What a slide's features depend on besides its pixels' file: the encoder's weights, the tiling settings and the
    /// slide's resolved source (hex, 16 digits). A "done" state with another fingerprint is stale.
    /// </summary>
    public static string Fingerprint(Preset preset, Cohort cohort, SlideRecord slide, string encoderHash)
    {
        var t = preset.Training;
        var text = string.Join('|', "vptsurv-extract/1", encoderHash, t.TileSize, t.TargetMpp.ToString("R"), t.TilePool?.ToString() ?? "live",
            preset.Prompts.Needs.HasFlag(SlideInputParts.Context), cohort.ResolveSource(slide));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>
    /// Slides through <see cref="TwoStagePipeline.Extract"/> in one call: their tile source is built here first (as the
    /// pipeline would build it by default, with per-slide failures), so each slide's cache file is named by its tile
    /// identity and one unreadable slide fails alone.
    /// </summary>
    private static IReadOnlyList<SlideOutcome> ExtractBatch(Preset preset, Cohort cohort, IReadOnlyList<SlideRecord> slides, string cacheDirectory,
        FeatureCache cache, string encoderHash, TorchSharp.torch.Device? device)
    {
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        void Fail(SlideRecord s, Exception e)
        {
            cache.LogFailure(s.SlideId, e);
            failures[s.SlideId] = e.Message;
        }
        try
        {
            var t = preset.Training;
            TileSource source = t.TilePool is { } pool
                ? TilePoolSource.Build(cohort, slides, pool, t.TileSize, t.TargetMpp, preset.Prompts.Needs.HasFlag(SlideInputParts.Context), Path.Combine(cacheDirectory, "tiles"), onFailure: Fail)
                : new LiveTileSource(cohort, slides, t.TileSize, t.TargetMpp, new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: false), onFailure: Fail);
            var ok = slides.Where(s => !failures.ContainsKey(s.SlideId)).ToList();
            var files = ok.ToDictionary(s => s.SlideId, s => cache.PathFor(s.SlideId, FeatureCache.Key(source.Identity(s.SlideId), encoderHash)), StringComparer.Ordinal);
            var cached = ok.Where(s => File.Exists(files[s.SlideId])).Select(s => s.SlideId).ToHashSet(StringComparer.Ordinal);
            var pipeline = new TwoStagePipeline(preset, new TrainerOptions { WorkDirectory = cacheDirectory, Source = (_, _, _) => source, Device = device });
            using var set = pipeline.Extract(cohort, ok, cache); // disposes the source
            if (set.EncoderHash != encoderHash) throw new InvalidOperationException("the encoder's weights changed during the run");
            foreach (var (id, error) in set.Failed) failures[id] = error;
            return [.. slides.Select(s => failures.TryGetValue(s.SlideId, out var error) ? SlideOutcome.Failure(error)
                : set.Features.TryGetValue(s.SlideId, out var f) ? new SlideOutcome(Path.GetFileName(files[s.SlideId]), (int)f.shape[0], cached.Contains(s.SlideId), null)
                : SlideOutcome.Failure("the extraction returned no features"))];
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException
            or FormatException or KeyNotFoundException or NonFiniteException or Slides.SlideRegionException)
        {
            foreach (var s in slides.Where(s => !failures.ContainsKey(s.SlideId))) cache.LogFailure(s.SlideId, e);
            return [.. slides.Select(s => SlideOutcome.Failure(failures.GetValueOrDefault(s.SlideId) ?? e.Message))];
        }
    }
}
