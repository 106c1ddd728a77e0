using System.Globalization;
using System.Text;
using System.Text.Json;
using VPTSurv.Runtime;

namespace VPTSurv.Distributed.Sharding;

/// <summary>A slide that could not be processed, and why.</summary>
/// <param name="SlideId">The slide.</param>
/// <param name="Reason">The error message.</param>
public sealed record SlideFailure(string SlideId, string Reason);

/// <summary>
/// What a sharded job (tiling, feature extraction) did: per shard, or merged over shards (<see cref="Merge"/>). Written at
/// the end of a run as JSON and as a short Markdown table (<see cref="Save"/>).
/// </summary>
/// <param name="Shards">The shards summarised ("0/2", or "0/2+1/2" merged).</param>
/// <param name="Slides">Slides assigned.</param>
/// <param name="Processed">Slides processed (tiled, or encoded) in this run.</param>
/// <param name="FromCache">Slides whose result was found in the cache without a "done" state (e.g. finished by a worker that died before recording it).</param>
/// <param name="Skipped">Slides skipped because their state said done and their cache file exists.</param>
/// <param name="Failed">Slides that failed, with reasons.</param>
/// <param name="Busy">Slides left alone because another live worker held their lock (id and holder).</param>
/// <param name="TakenOver">Locks taken over from dead or timed-out workers.</param>
/// <param name="Tiles">Tiles of the slides processed in this run.</param>
/// <param name="Seconds">Wall time (merged: of the slowest shard, as shards run at the same time).</param>
public sealed record ShardSummary(string Shards, int Slides, int Processed, int FromCache, int Skipped,
    IReadOnlyList<SlideFailure> Failed, IReadOnlyList<SlideFailure> Busy, int TakenOver, long Tiles, double Seconds)
{
    private static JsonSerializerOptions Json => SlideLedger.Json;

    /// <summary>Tiles processed per second of wall time (0 when nothing was processed).</summary>
    public double TilesPerSecond => Tiles == 0 || Seconds <= 0 ? 0 : Tiles / Seconds;

    /// <summary>Whether every assigned slide is done (none failed, none left to a busy worker).</summary>
    public bool Complete => Failed.Count == 0 && Busy.Count == 0;

    /// <summary>
    /// The file name (without extension) of a shard's summary of <paramref name="job"/>: "&lt;job&gt;-summary" for the whole
    /// job, else "&lt;job&gt;-summary.shard-i-of-n".
    /// </summary>
    public static string FileStem(string job, Shard shard) => shard.IsWhole ? $"{job}-summary" : $"{job}-summary.shard-{shard.Index}-of-{shard.Count}";

    /// <summary>The summaries of several shards as one (counts added, wall time of the slowest).</summary>
    public static ShardSummary Merge(IReadOnlyList<ShardSummary> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("nothing to merge", nameof(parts));
        return new ShardSummary(string.Join('+', parts.Select(p => p.Shards)), parts.Sum(p => p.Slides), parts.Sum(p => p.Processed),
            parts.Sum(p => p.FromCache), parts.Sum(p => p.Skipped), [.. parts.SelectMany(p => p.Failed)], [.. parts.SelectMany(p => p.Busy)],
            parts.Sum(p => p.TakenOver), parts.Sum(p => p.Tiles), parts.Max(p => p.Seconds));
    }

    /// <summary>JSON (snake_case keys, tiles_per_second included).</summary>
    public string ToJson()
    {
        var node = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        node["tiles_per_second"] = Math.Round(TilesPerSecond, 2);
        return node.ToJsonString(Json);
    }

    /// <summary>Reads a summary written by <see cref="Save"/>; the message names the file when it is not one.</summary>
    public static ShardSummary Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ShardSummary>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"shard summary '{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"shard summary '{path}': {e.Message}", e);
        }
    }

    /// <summary>A short Markdown table, then one line per failed or busy slide.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder()
            .AppendLine("| shards | slides | processed | from cache | skipped (done) | failed | busy | locks taken over | tiles | seconds | tiles/s |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            .AppendLine(c, $"| {Shards} | {Slides} | {Processed} | {FromCache} | {Skipped} | {Failed.Count} | {Busy.Count} | {TakenOver} | {Tiles} | {Seconds:F1} | {TilesPerSecond:F1} |");
        foreach (var f in Failed) md.AppendLine(c, $"- failed: `{f.SlideId}`: {f.Reason.ReplaceLineEndings(" ")}");
        foreach (var b in Busy) md.AppendLine(c, $"- busy: `{b.SlideId}`: {b.Reason}");
        return md.ToString();
    }

    /// <summary>
    /// Saves this shard's summary of <paramref name="job"/> in <paramref name="directory"/> and returns the whole job's,
    /// saved as "&lt;job&gt;-summary": under MPI (<paramref name="world"/>) rank 0 merges after every rank has saved
    /// (a barrier; the other ranks get null); without MPI, whichever worker finds all n shard summaries present merges
    /// them (each shard's latest run), else null. A whole job (0/1) returns itself.
    /// </summary>
    public ShardSummary? SaveAndMerge(string directory, string job, Shard shard, Mpi.MpiWorld? world)
    {
        Save(directory, FileStem(job, shard));
        if (shard.IsWhole) return this;
        world?.SleepingBarrier();
        if (world is { IsRoot: false }) return null;
        var paths = Enumerable.Range(0, shard.Count).Select(i => Path.Combine(directory, FileStem(job, new Shard(i, shard.Count)) + ".json")).ToList();
        if (!paths.All(File.Exists)) return null;
        var merged = Merge([.. paths.Select(Load)]);
        merged.Save(directory, $"{job}-summary");
        return merged;
    }

    /// <summary>Writes <c>&lt;stem&gt;.json</c> and <c>&lt;stem&gt;.md</c> in <paramref name="directory"/> atomically; returns the JSON's path.</summary>
    public string Save(string directory, string stem)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, stem + ".json");
        AtomicFile.WriteAllText(json, ToJson());
        AtomicFile.WriteAllText(Path.Combine(directory, stem + ".md"), ToMarkdown());
        return json;
    }
}
