using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Survival;

namespace VPTSurv.Training;

/// <summary>A checkpoint cannot be resumed by this run; the message names the differing keys, slides or time bins.</summary>
public sealed class ResumeMismatchException(string message) : ArgumentException(message);

/// <summary>
/// What a training run is made of, stored in its checkpoint so that <c>--resume</c> continues the same run and nothing
/// else: a hash of every manifest row used (and a short hash per slide, to name what changed), the time-bin edges and
/// a hash of the preset's JSON. A resume on another cohort, other rows or other bins is refused, naming the slides.
/// </summary>
/// <param name="ManifestSha256">SHA-256 of the rows used, in slide-id order.</param>
/// <param name="Rows">Per slide id: the first 12 hex digits of its row's SHA-256.</param>
/// <param name="BinEdges">Time-bin edges fitted on the training split.</param>
/// <param name="PresetSha256">SHA-256 of the preset's canonical JSON.</param>
public sealed record RunIdentity(string ManifestSha256, IReadOnlyDictionary<string, string> Rows, double[] BinEdges, string PresetSha256)
{
    private const int Shown = 8;

    /// <summary>The identity of a run on <paramref name="rows"/> with <paramref name="bins"/> and <paramref name="presetJson"/>.</summary>
    public static RunIdentity Of(IEnumerable<SlideRecord> rows, TimeBins bins, string presetJson)
    {
        var (all, perRow) = Hash(rows);
        return new RunIdentity(all, perRow, [.. bins.Edges], Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(presetJson))));
    }

    /// <summary>SHA-256 of the manifest rows <paramref name="rows"/> (their content, in slide-id order), as <see cref="ManifestSha256"/>.</summary>
    public static string ManifestSha256Of(IEnumerable<SlideRecord> rows) => Hash(rows).All;

    private static (string All, SortedDictionary<string, string> PerRow) Hash(IEnumerable<SlideRecord> rows)
    {
        var perRow = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in rows.OrderBy(r => r.SlideId, StringComparer.Ordinal))
        {
            var line = Encoding.UTF8.GetBytes(string.Join('\u001f', r.SlideId, r.PatientId, r.Source, r.Stain,
                r.Time.ToString("R", System.Globalization.CultureInfo.InvariantCulture), r.EventObserved ? "1" : "0", r.Split?.ToManifest() ?? "") + "\n");
            all.AppendData(line);
            perRow[r.SlideId] = Convert.ToHexStringLower(SHA256.HashData(line))[..12];
        }
        return (Convert.ToHexStringLower(all.GetHashAndReset()), perRow);
    }

    /// <summary>The identity as compact JSON (stored in the checkpoint's meta.json).</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads <see cref="ToJson"/>'s output; null for checkpoints written before identities were stored.</summary>
    public static RunIdentity? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<RunIdentity>(json);

    /// <summary>Throws <see cref="ResumeMismatchException"/> unless this run is the one <paramref name="stored"/> describes.</summary>
    public void Verify(string checkpoint, RunIdentity stored)
    {
        var problems = new List<string>();
        if (stored.ManifestSha256 != ManifestSha256)
        {
            var changed = Rows.Keys.Where(k => stored.Rows.TryGetValue(k, out var h) && h != Rows[k]).ToList();
            var onlyThen = stored.Rows.Keys.Where(k => !Rows.ContainsKey(k)).ToList();
            var onlyNow = Rows.Keys.Where(k => !stored.Rows.ContainsKey(k)).ToList();
            var parts = new List<string>();
            if (changed.Count > 0) parts.Add($"{changed.Count} changed ({List(changed)})");
            if (onlyThen.Count > 0) parts.Add($"{onlyThen.Count} only in the checkpoint's run ({List(onlyThen)})");
            if (onlyNow.Count > 0) parts.Add($"{onlyNow.Count} only in this run ({List(onlyNow)})");
            problems.Add($"the manifest rows differ: {(parts.Count == 0 ? "same slides, other order or content" : string.Join("; ", parts))}");
        }
        if (!stored.BinEdges.SequenceEqual(BinEdges))
            problems.Add($"the time bins differ: checkpoint [{Edges(stored.BinEdges)}], this run [{Edges(BinEdges)}]");
        if (stored.PresetSha256 != PresetSha256)
            problems.Add("the preset differs");
        if (problems.Count > 0)
            throw new ResumeMismatchException($"Checkpoint '{checkpoint}' is of another run: {string.Join("; ", problems)}. " +
                "Resume with the manifest and config the run started with, or start a new run in another folder.");
    }

    /// <summary>
    /// The keys that differ between two preset JSONs, as "training.epochs: checkpoint 2, this run 3" (at most eight,
    /// then a count), so a refused resume names what changed instead of printing both presets.
    /// </summary>
    public static string PresetDifference(string checkpointJson, string runJson)
    {
        var then = Flatten(JsonNode.Parse(checkpointJson));
        var now = Flatten(JsonNode.Parse(runJson));
        var keys = then.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Where(k => !then.TryGetValue(k, out var a) || !now.TryGetValue(k, out var b) || a != b).ToList();
        var lines = keys.Take(Shown).Select(k => $"{k}: checkpoint {then.GetValueOrDefault(k, "(absent)")}, this run {now.GetValueOrDefault(k, "(absent)")}");
        return string.Join("; ", lines) + (keys.Count > Shown ? $"; and {keys.Count - Shown} more" : "");
    }

    private static Dictionary<string, string> Flatten(JsonNode? root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<(string Path, JsonNode? Node)>();
        pending.Push(("", root));
        while (pending.Count > 0)
        {
            var (path, node) = pending.Pop();
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o) pending.Push((path.Length == 0 ? Camel(k) : $"{path}.{Camel(k)}", v));
                    break;
                default:
                    result[path] = node?.ToJsonString() ?? "null";
                    break;
            }
        }
        return result;
    }

    // The preset JSON uses the records' PascalCase names; config files and messages use camelCase.
    private static string Camel(string key) => key.Length == 0 ? key : char.ToLowerInvariant(key[0]) + key[1..];

    private static string List(IReadOnlyList<string> ids) => string.Join(", ", ids.Take(Shown)) + (ids.Count > Shown ? ", …" : "");

    private static string Edges(double[] e) => string.Join(", ", e.Select(x => x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// Gives <paramref name="loop"/> this run's identity; when resuming (<paramref name="meta"/> given) first refuses a
    /// checkpoint of another run. <paramref name="bins"/> are this run's bins (refitted from the data when resuming).
    /// </summary>
    internal static EpochLoop Attach(EpochLoop loop, Preset preset, RunData data, TimeBins? bins = null, string? checkpoint = null,
        TrainingCheckpoint.Meta? meta = null)
    {
        bins ??= TimeBins.Fit(new SurvivalTargets(data.Train.Select(s => s.Time).ToArray(), data.Train.Select(s => s.EventObserved).ToArray()), preset.Training.Bins);
        var now = Of(data.All, bins, PresetJson.Of(preset));
        if (checkpoint is not null && FromJson(meta?.Identity) is { } stored) now.Verify(checkpoint, stored);
        loop.Identity = now.ToJson();
        return loop;
    }
}
