using System.Diagnostics;
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

    /// <summary>Progress per slide ("extract" phase; step = slides handled of this shard).</summary>
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
    public static ExtractionSummary Run(Preset preset, Cohort cohort, IReadOnlyList<SlideRecord> slides, string cacheDirectory,
        ShardedExtractionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(slides);
        options ??= new ShardedExtractionOptions();
        cacheDirectory = Path.GetFullPath(cacheDirectory);
        var shard = options.Shard;
        var mine = shard.Take(slides, s => s.SlideId);
        var ledger = new SlideLedger(StateDirectory(cacheDirectory), shard, options.LockTimeout);
        var cache = new FeatureCache(Path.Combine(cacheDirectory, "features"));
        string encoderHash;
        using (var model = preset.BuildModel()) encoderHash = PresetJson.WeightsHash(model.Backbone);
        foreach (var s in mine)
            if (ledger.Read(s.SlideId) is null) ledger.Write(new SlideState(s.SlideId, SlideStatus.Pending, Fingerprint(preset, cohort, s, encoderHash)));

        var clock = Stopwatch.StartNew();
        int extracted = 0, fromCache = 0, skipped = 0, takenOver = 0, handled = 0;
        long tiles = 0;
        var failed = new List<SlideFailure>();
        var busy = new List<SlideFailure>();
        foreach (var slide in mine)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fingerprint = Fingerprint(preset, cohort, slide, encoderHash);
            if (IsDone(ledger.Read(slide.SlideId), fingerprint, cache)) skipped++;
            else
            {
                using var claim = ledger.TryClaim(slide.SlideId, out var holder);
                if (claim is null) busy.Add(new SlideFailure(slide.SlideId, $"locked by {holder?.ToString() ?? "another worker"}"));
                else if (ledger.Read(slide.SlideId) is var before && IsDone(before, fingerprint, cache)) skipped++; // finished while we waited
                else
                {
                    if (claim.TakenOver is { } dead)
                    {
                        takenOver++;
                        options.Log?.Invoke($"{slide.SlideId}: took over the lock of {dead} (no longer running)");
                    }
                    int attempts = (before?.Attempts ?? 0) + 1;
                    ledger.Write(new SlideState(slide.SlideId, SlideStatus.Running, fingerprint, Attempts: attempts, Worker: ledger.Worker));
                    var outcome = ExtractOne(preset, cohort, slide, cacheDirectory, cache);
                    ledger.Write(new SlideState(slide.SlideId, outcome.Error is null ? SlideStatus.Done : SlideStatus.Failed, fingerprint,
                        outcome.File, outcome.Tiles, outcome.Seconds, outcome.Error, attempts, ledger.Worker));
                    if (outcome.Error is { } error) failed.Add(new SlideFailure(slide.SlideId, error));
                    else if (outcome.FromCache) fromCache++;
                    else
                    {
                        extracted++;
                        tiles += outcome.Tiles;
                    }
                    options.Log?.Invoke($"shard {shard}: {slide.SlideId} {(outcome.Error is null ? outcome.FromCache ? "found in the cache" : $"extracted ({outcome.Tiles} tiles, {outcome.Seconds:F1} s)" : "failed: " + outcome.Error)}");
                }
            }
            handled++;
            double rate = tiles / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            options.Progress?.Report(new TrainingProgress("extract", 0, 0, handled, mine.Count, double.NaN, null, rate,
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / handled * (mine.Count - handled))));
        }
        return new ExtractionSummary(shard.ToString(), mine.Count, extracted, fromCache, skipped, failed, busy, takenOver, tiles, clock.Elapsed.TotalSeconds);
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

    private static bool IsDone(SlideState? state, string fingerprint, FeatureCache cache) =>
        state is { Status: SlideStatus.Done, File: { } file } && state.Fingerprint == fingerprint && File.Exists(Path.Combine(cache.DirectoryPath, file));

    private sealed record Outcome(string? File, int Tiles, double Seconds, bool FromCache, string? Error);

    /// <summary>One slide through <see cref="TwoStagePipeline.Extract"/>, with the tile source it would make by default, whose identity names the cache file.</summary>
    private static Outcome ExtractOne(Preset preset, Cohort cohort, SlideRecord slide, string cacheDirectory, FeatureCache cache)
    {
        var clock = Stopwatch.StartNew();
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
            if (set.Failed.Count > 0) return new Outcome(null, 0, clock.Elapsed.TotalSeconds, false, set.Failed[0].Error);
            if (identity is null || !set.Features.TryGetValue(slide.SlideId, out var f))
                return new Outcome(null, 0, clock.Elapsed.TotalSeconds, false, "the extraction returned no features");
            var file = Path.GetFileName(cache.PathFor(slide.SlideId, FeatureCache.Key(identity, set.EncoderHash)));
            return new Outcome(file, (int)f.shape[0], clock.Elapsed.TotalSeconds, set.FromCache == 1, null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException
            or FormatException or KeyNotFoundException or NonFiniteException or Slides.SlideRegionException)
        {
            cache.LogFailure(slide.SlideId, e);
            return new Outcome(null, 0, clock.Elapsed.TotalSeconds, false, e.Message);
        }
    }
}
