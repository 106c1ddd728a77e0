using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Runtime;
using VPTSurv.Training;

namespace VPTSurv.Evaluation;

/// <summary>
/// A folder of finished training runs (<see cref="StoredRun"/>, one JSON file each), so that a grid of runs — a table
/// over models and seeds that takes hours on a CPU — can stop and resume, and can be split over processes or machines
/// that share the folder: <see cref="GetOrTrain"/> trains a run only when the folder does not hold it yet.
/// </summary>
/// <remarks>
/// A run is identified by <see cref="KeyOf"/>: the preset (its JSON, which holds the seed, the prompt sources, the
/// cohort subset and every training setting), the content of the cohort's manifest rows, and the caller's row key (what
/// the preset does not say, such as the two-stage decoder and its configuration). The library version is recorded in
/// each run (<see cref="StoredRun.Library"/>) but is not part of the key, so runs made by an earlier build are reused:
/// show <see cref="StoredRun.Library"/> beside the results, and start a new folder when a library update changes what
/// training computes. Files are written atomically and never overwritten.
/// </remarks>
public sealed class RunStore
{
    /// <summary>A store in <paramref name="directory"/> (created when missing).</summary>
    public RunStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>
    /// The key of the run of <paramref name="rowKey"/> on <paramref name="cohort"/> under <paramref name="preset"/>:
    /// the SHA-256 of the format tag, the cohort's name and manifest rows, the preset's JSON and the row key.
    /// </summary>
    public static string KeyOf(Preset preset, Cohort cohort, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentException.ThrowIfNullOrWhiteSpace(rowKey);
        string text = string.Join('\n', StoredRun.Format, cohort.Name, RunIdentity.ManifestSha256Of(cohort.Slides), Training.PresetJson.Of(preset), rowKey);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// The file a new run is written to: its cohort, row, seed and the key's first 16 hex digits. <see cref="Find"/> looks
    /// runs up by the key's digits alone.
    /// </summary>
    public string PathOf(Preset preset, Cohort cohort, string row, string key) =>
        Path.Combine(Directory, $"{Slug(cohort.Name)}-{Slug(row)}-seed{preset.Training.Seed}-{key[..16]}.json");

    /// <summary>The stored run of <paramref name="row"/>, or null when the folder does not hold it.</summary>
    /// <param name="preset">The preset (with the seed).</param>
    /// <param name="cohort">The cohort.</param>
    /// <param name="row">The table row's name (part of the file name).</param>
    /// <param name="rowKey">What identifies the model beyond the preset (for example the decoder's configuration); defaults to <paramref name="row"/>.</param>
    public StoredRun? Find(Preset preset, Cohort cohort, string row, string? rowKey = null)
    {
        string key = KeyOf(preset, cohort, rowKey ?? row);
        // Found by key: the row's name in the file name is for people, so callers may name the same run differently.
        string? path = System.IO.Directory.GetFiles(Directory, $"*-{key[..16]}.json").Order(StringComparer.Ordinal).FirstOrDefault();
        if (path is null) return null;
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException("the file is empty"); }
        catch (JsonException e) { throw new FormatException($"Stored run '{path}' is not valid JSON: {e.Message} (delete it to train the run again).", e); }
        var run = StoredRun.FromJson(json, path);
        if (run.Key != key) throw new FormatException($"Stored run '{path}' holds key {run.Key[..16]}…, not this run's {key[..16]}… (delete it to train the run again).");
        return run;
    }

    /// <summary>
    /// The stored run of <paramref name="row"/>, or, when the folder does not hold it, the run <paramref name="train"/>
    /// makes (evaluated, stored, then its model disposed). <paramref name="log"/> says which of the two happened.
    /// </summary>
    /// <param name="preset">The preset <paramref name="train"/> trains with (with the seed).</param>
    /// <param name="cohort">The cohort it trains on.</param>
    /// <param name="row">The table row's name.</param>
    /// <param name="train">Trains the run.</param>
    /// <param name="rowKey">What identifies the model beyond the preset; defaults to <paramref name="row"/>.</param>
    /// <param name="log">Receives one line per run.</param>
    public StoredRun GetOrTrain(Preset preset, Cohort cohort, string row, Func<TrainingResult> train, string? rowKey = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (Find(preset, cohort, row, rowKey) is { } stored)
        {
            log?.Invoke($"{cohort.Name} · {row} · seed {preset.Training.Seed}: from the run store ({stored.Cohort} · {stored.Row}, " +
                $"trained {stored.Finished:yyyy-MM-dd HH:mm} UTC in {stored.Seconds:F0} s by {stored.Library})");
            return stored;
        }
        string key = KeyOf(preset, cohort, rowKey ?? row);
        var clock = Stopwatch.StartNew();
        StoredRun run;
        using (var result = train())
        {
            if (Training.PresetJson.Of(result.Preset) != Training.PresetJson.Of(preset))
                throw new ArgumentException($"RunStore: the run of '{row}' was trained with another preset than the one it is stored under.", nameof(train));
            run = StoredRun.From(key, row, result, clock.Elapsed.TotalSeconds);
        }
        string path = PathOf(preset, cohort, row, key);
        if (File.Exists(path))
            log?.Invoke($"{cohort.Name} · {row} · seed {preset.Training.Seed}: another process stored this run meanwhile; its file is kept");
        else
            AtomicFile.Write(path, tmp => File.WriteAllText(tmp, run.ToJson().ToJsonString()));
        log?.Invoke($"{cohort.Name} · {row} · seed {preset.Training.Seed}: trained in {run.Seconds:F0} s, stored as {Path.GetFileName(path)}");
        return run;
    }

    /// <summary>Every run in the folder (unreadable files throw, naming the file).</summary>
    public IReadOnlyList<StoredRun> All() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal)
            .Select(p => StoredRun.FromJson(JsonNode.Parse(File.ReadAllText(p))?.AsObject() ?? throw new FormatException($"Stored run '{p}' is empty."), p))];

    private static string Slug(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
}
