using System.Security.Cryptography;
using System.Text;
using VPTSurv.Data;
using VPTSurv.Prompts;
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

    /// <summary>Progress per slide ("slides" phase; step = slides handled of this shard).</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Log lines (one per slide).</summary>
    public Action<string>? Log { get; init; }
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
            state => File.Exists(Path.Combine(cache.DirectoryPath, state.File!)), id => ExtractOne(preset, cohort, byId[id], cacheDirectory, cache),
            options.Progress, options.Log, cancellationToken);
    }

    /// <summary>
    /// What a slide's features depend on besides its pixels' file: the encoder's weights, the tiling settings and the
    /// slide's resolved source (hex, 16 digits). A "done" state with another fingerprint is stale.
    /// </summary>
    public static string Fingerprint(Preset preset, Cohort cohort, SlideRecord slide, string encoderHash)
    {
        var t = preset.Training;
        var text = string.Join('|', "vptsurv-extract/1", encoderHash, t.TileSize, t.TargetMpp.ToString("R"), t.TilePool?.ToString() ?? "live",
            preset.Prompts.Sources.HasFlag(PromptSources.Scale), cohort.ResolveSource(slide));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>One slide through <see cref="TwoStagePipeline.Extract"/>, with the tile source it would make by default, whose identity names the cache file.</summary>
    private static SlideOutcome ExtractOne(Preset preset, Cohort cohort, SlideRecord slide, string cacheDirectory, FeatureCache cache)
    {
        string? identity = null;
        TileSource Source(Cohort c, IReadOnlyList<SlideRecord> s, Preset p)
        {
            var t = p.Training;
            TileSource source = t.TilePool is { } pool
                ? TilePoolSource.Build(c, s, pool, t.TileSize, t.TargetMpp, p.Prompts.Sources.HasFlag(PromptSources.Scale), Path.Combine(cacheDirectory, "tiles"))
                : new LiveTileSource(c, s, t.TileSize, t.TargetMpp, new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: false));
            identity = source.Identity(slide.SlideId);
            return source;
        }
        try
        {
            var pipeline = new TwoStagePipeline(preset, new TrainerOptions { WorkDirectory = cacheDirectory, Source = Source });
            using var set = pipeline.Extract(cohort, [slide], cache);
            if (set.Failed.Count > 0) return SlideOutcome.Failure(set.Failed[0].Error);
            if (identity is null || !set.Features.TryGetValue(slide.SlideId, out var f)) return SlideOutcome.Failure("the extraction returned no features");
            var file = Path.GetFileName(cache.PathFor(slide.SlideId, FeatureCache.Key(identity, set.EncoderHash)));
            return new SlideOutcome(file, (int)f.shape[0], set.FromCache == 1, null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException
            or FormatException or KeyNotFoundException or NonFiniteException or Slides.SlideRegionException)
        {
            cache.LogFailure(slide.SlideId, e);
            return SlideOutcome.Failure(e.Message);
        }
    }
}
