using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// A training checkpoint of either trainer (end-to-end, or a two-stage decoder): one zip file written under a
/// temporary name and renamed, holding <c>meta.json</c> (format, method, preset JSON, frozen-encoder hash, time-bin edges, epoch, optimiser step, history, best epoch and its C,
/// epochs without improvement), <c>weights.safetensors</c> (the trainable weights), <c>best.safetensors</c> (the
/// best epoch's trainable weights), <c>optimizer.bin</c> (AdamW moments and step counts, TorchSharp's format) and
/// <c>rng.bin</c> (the state of the run's training generator, which draws the dropout masks); with the memory-bank Cox loss, meta.json also holds the bank's subjects. The schedule's state is the optimiser step. Tile sampling and data order
/// are drawn from (seed, epoch, slide), so nothing else is needed to continue a run exactly.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The format tag in meta.json.</summary>
    public const string Format = "vptsurv-checkpoint/1";

    /// <summary>Everything except tensors, as read back from a checkpoint.</summary>
    /// <param name="PresetJson">The preset's canonical JSON.</param>
    /// <param name="EncoderHash">SHA-256 of the frozen encoder's weights.</param>
    /// <param name="BinEdges">Time-bin edges fitted on the training split.</param>
    /// <param name="Epoch">Epochs completed.</param>
    /// <param name="Step">Optimiser steps taken.</param>
    /// <param name="History">Finished epochs.</param>
    /// <param name="BestEpoch">Best epoch so far (0 = none).</param>
    /// <param name="BestC">Its validation C.</param>
    /// <param name="Stale">Epochs since the best.</param>
    /// <param name="Method">"end-to-end", or "two-stage/" and the decoder's type name (e.g. "two-stage/PatchGcn"); a file without it is end-to-end.</param>
    /// <param name="Identity">The run's <see cref="RunIdentity"/> JSON (manifest rows, bins, preset); null in older files.</param>
    public sealed record Meta(string PresetJson, string EncoderHash, double[] BinEdges, int Epoch, int Step,
        IReadOnlyList<EpochRecord> History, int BestEpoch, double BestC, int Stale, string Method = "end-to-end", string? Identity = null)
    {
        /// <summary>The untrained model's training and validation C (epoch 0); null in files written before it was recorded.</summary>
        public EpochRecord? Untrained { get; init; }

        /// <summary>The decoder-input standardisation fitted on the training split; null in older files.</summary>
        public Model.FeatureStandardization? Standardization { get; init; }

        /// <summary>The Cox memory bank's subjects (oldest first) when the run trains with that loss; null otherwise.</summary>
        public IReadOnlyList<CoxMemoryEntry>? CoxMemory { get; init; }
    }

    internal static void Save(string path, Meta meta, nn.Module model, OptimizerHelper optimizer, IReadOnlyDictionary<string, Tensor> best, Generator random)
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-ckpt-").FullName;
        try
        {
            var weights = Path.Combine(dir, "weights.safetensors");
            SafeTensors.Write(weights, Trainable(model).ToDictionary(p => p.Key, p => (Tensor)p.Value));
            var bestPath = Path.Combine(dir, "best.safetensors");
            SafeTensors.Write(bestPath, best);
            AtomicFile.Write(path, tmp =>
            {
                using var zip = ZipFile.Open(tmp, ZipArchiveMode.Create);
                var json = new JsonObject
                {
                    ["format"] = Format,
                    ["method"] = meta.Method,
                    ["preset"] = meta.PresetJson,
                    ["encoder_hash"] = meta.EncoderHash,
                    ["bin_edges"] = new JsonArray([.. meta.BinEdges.Select(e => (JsonNode)e)]),
                    ["epoch"] = meta.Epoch,
                    ["step"] = meta.Step,
                    ["history"] = JsonSerializer.SerializeToNode(meta.History.ToArray(), HistoryOptions),
                    ["best_epoch"] = meta.BestEpoch,
                    ["best_c"] = double.IsFinite(meta.BestC) ? meta.BestC : null,
                    ["stale"] = meta.Stale,
                    ["untrained"] = meta.Untrained is null ? null : JsonSerializer.SerializeToNode(meta.Untrained, HistoryOptions),
                    ["standardization"] = meta.Standardization is null ? null : JsonNode.Parse(meta.Standardization.ToJson()),
                    ["identity"] = meta.Identity is null ? null : JsonNode.Parse(meta.Identity),
                    ["cox_memory"] = meta.CoxMemory is null ? null
                        : new JsonArray([.. meta.CoxMemory.Select(e => (JsonNode)new JsonArray(e.Risk, e.Time, e.Event ? 1 : 0))]),
                };
                using (var w = new StreamWriter(zip.CreateEntry("meta.json").Open()))
                    w.Write(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                zip.CreateEntryFromFile(weights, "weights.safetensors", CompressionLevel.NoCompression);
                zip.CreateEntryFromFile(bestPath, "best.safetensors", CompressionLevel.NoCompression);
                using (var w = new BinaryWriter(zip.CreateEntry("optimizer.bin", CompressionLevel.NoCompression).Open()))
                    optimizer.save_state_dict(w);
                using (var rng = random.get_state())
                using (var rngCpu = rng.cpu())
                using (var s = zip.CreateEntry("rng.bin").Open())
                    s.Write(rngCpu.data<byte>().ToArray());
            }, overwrite: true);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Reads the metadata of a checkpoint (no tensors); the message names the file and what is wrong.</summary>
    public static Meta ReadMeta(string path)
    {
        using var zip = OpenZip(path);
        return ReadMeta(path, zip);
    }

    internal static Meta Restore(string path, nn.Module model, OptimizerHelper optimizer, Generator random, out Dictionary<string, Tensor> best)
    {
        using var zip = OpenZip(path);
        var meta = ReadMeta(path, zip);
        var dir = Directory.CreateTempSubdirectory("vptsurv-ckpt-").FullName;
        try
        {
            var weights = Extract(path, zip, "weights.safetensors", dir);
            var loaded = SafeTensors.Read(weights);
            LoadTrainable(path, model, loaded);
            foreach (var t in loaded.Values) t.Dispose();
            best = SafeTensors.Read(Extract(path, zip, "best.safetensors", dir));
            using (var r = new BinaryReader(new MemoryStream(ReadEntry(path, zip, "optimizer.bin", Array.MaxLength))))
                optimizer.load_state_dict(r);
            using (var state = tensor(ReadEntry(path, zip, "rng.bin", MaxSmallEntryBytes), ScalarType.Byte))
                random.set_state(state);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return meta;
    }

    /// <summary>The trainable parameters by state key.</summary>
    public static IEnumerable<KeyValuePair<string, Parameter>> Trainable(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => KeyValuePair.Create(p.name, p.parameter));

    /// <summary>Copies <paramref name="weights"/> into the trainable parameters; keys and shapes must match exactly.</summary>
    public static void LoadTrainable(string source, nn.Module model, IReadOnlyDictionary<string, Tensor> weights)
    {
        var trainable = Trainable(model).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var missing = trainable.Keys.Where(k => !weights.ContainsKey(k)).ToList();
        var unexpected = weights.Keys.Where(k => !trainable.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new CheckpointFormatException(source, $"trainable weights do not match the model; missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}].");
        using var _ = no_grad();
        foreach (var (key, p) in trainable)
        {
            var t = weights[key];
            if (!t.shape.SequenceEqual(p.shape))
                throw new CheckpointFormatException(source, $"'{key}' has shape ({string.Join(", ", t.shape)}), the model expects ({string.Join(", ", p.shape)}).");
            p.copy_(t);
        }
    }

    private static readonly JsonSerializerOptions HistoryOptions = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static ZipArchive OpenZip(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' not found", path);
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException e) { throw new CheckpointFormatException(path, $"not a VPTSurv checkpoint (not a zip file: {e.Message})."); }
    }

    private static ZipArchiveEntry Entry(string path, ZipArchive zip, string name) =>
        zip.GetEntry(name) ?? throw new CheckpointFormatException(path, $"missing entry '{name}' (expected meta.json, weights.safetensors, best.safetensors, optimizer.bin, rng.bin).");

    private static string Extract(string path, ZipArchive zip, string name, string dir)
    {
        var target = Path.Combine(dir, name);
        ZipEntries.ExtractTo(path, Entry(path, zip, name), target, MaxEntryBytes, new FileInfo(path).Length);
        return target;
    }

    // Entries are read with their declared sizes checked and capped (a hostile zip must not exhaust memory or disk).
    private const long MaxEntryBytes = 64L << 30, MaxSmallEntryBytes = 64L << 20;

    private static byte[] ReadEntry(string path, ZipArchive zip, string name, long maxBytes) =>
        ZipEntries.ReadAll(path, Entry(path, zip, name), maxBytes, new FileInfo(path).Length);

    private static Meta ReadMeta(string path, ZipArchive zip)
    {
        JsonNode? root;
        using (var r = new StreamReader(new MemoryStream(ReadEntry(path, zip, "meta.json", MaxSmallEntryBytes))))
        {
            try { root = JsonNode.Parse(r.ReadToEnd()); }
            catch (JsonException e) { throw new CheckpointFormatException(path, $"meta.json is not valid JSON ({e.Message})."); }
        }
        if (root is not JsonObject o || (string?)o["format"] != Format)
            throw new CheckpointFormatException(path, $"meta.json must have \"format\": \"{Format}\".");
        T Get<T>(string key) => o[key] is { } n ? n.GetValue<T>() : throw new CheckpointFormatException(path, $"meta.json has no \"{key}\".");
        var edges = (o["bin_edges"] as JsonArray ?? throw new CheckpointFormatException(path, $"meta.json has no \"bin_edges\".")).Select(n => n!.GetValue<double>()).ToArray();
        var history = o["history"].Deserialize<EpochRecord[]>(HistoryOptions) ?? [];
        return new Meta(Get<string>("preset"), Get<string>("encoder_hash"), edges, Get<int>("epoch"), Get<int>("step"), history,
            Get<int>("best_epoch"), o["best_c"] is { } c ? c.GetValue<double>() : double.NaN, Get<int>("stale"),
            o["method"] is { } m ? m.GetValue<string>() : "end-to-end", o["identity"]?.ToJsonString())
        {
            Untrained = o["untrained"]?.Deserialize<EpochRecord>(HistoryOptions),
            Standardization = o["standardization"] is { } st ? Model.FeatureStandardization.FromJson(st.ToJsonString(), $"{path} (meta.json standardization)") : null,
            CoxMemory = o["cox_memory"] is { } cm ? ReadCoxMemory(path, cm) : null,
        };
    }

    private static CoxMemoryEntry[] ReadCoxMemory(string path, JsonNode node)
    {
        if (node is not JsonArray rows) throw new CheckpointFormatException(path, "meta.json \"cox_memory\" must be an array of [risk, time, event].");
        var entries = new CoxMemoryEntry[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            try
            {
                var r = (JsonArray)rows[i]!;
                int ev = r[2]!.GetValue<int>();
                if (r.Count != 3 || ev is not (0 or 1)) throw new FormatException("expected [risk, time, 0 or 1]");
                entries[i] = new CoxMemoryEntry(r[0]!.GetValue<double>(), r[1]!.GetValue<double>(), ev == 1);
            }
            catch (Exception e) when (e is InvalidCastException or InvalidOperationException or FormatException or NullReferenceException or ArgumentOutOfRangeException)
            {
                throw new CheckpointFormatException(path, $"meta.json \"cox_memory\"[{i}] is not [risk, time, event] ({e.Message}).");
            }
        }
        return entries;
    }

    internal static TimeBins Bins(Meta meta) => new(meta.BinEdges);
}
