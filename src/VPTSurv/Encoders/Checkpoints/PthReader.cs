using System.Collections;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Razorvine.Pickle;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>
/// PyTorch <c>torch.save(state_dict)</c> files (zip format), read with bounds everywhere: the pickle through
/// <see cref="TorchUnpickler"/> (an allowlist of globals, never executing pickled code), storages checked against the
/// archive before allocation, and the unpickled structure walked iteratively with a depth and an entry limit. A
/// top-level wrapper dictionary (<c>{"model": state_dict}</c>, <c>{"state_dict": ...}</c>) is unwrapped; other
/// nested dictionaries give dotted keys. Whole pickled models are refused.
/// </summary>
public static partial class PthReader
{
    /// <summary>Deepest dictionary nesting accepted (real checkpoints nest two or three levels).</summary>
    public const int MaxDepth = 32;

    /// <summary>Most values visited in the unpickled structure (shared sub-dictionaries count each time they are reached).</summary>
    public const int MaxEntries = 1_000_000;

    /// <summary>Largest <c>data.pkl</c> accepted (a ViT-H state_dict's is about 100 kB).</summary>
    public const long MaxPickleBytes = 32L << 20;

    /// <summary>Reads every tensor of <paramref name="path"/> as float32 (caller owns and disposes them).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var file = File.OpenRead(path);
        long length = file.Length;
        ZipArchive archive;
        try { archive = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path,
                $"not a readable PyTorch state_dict (expected the zip format written by torch.save(model.state_dict())): {e.Message}", e);
        }
        using var _ = archive;
        try { return Read(path, archive, length); }
        catch (InvalidDataException e) // the central directory is read lazily, so a damaged one shows up here
        {
            throw new CheckpointFormatException(path, $"the zip archive is damaged ({e.Message}).", e);
        }
    }

    private static Dictionary<string, Tensor> Read(string path, ZipArchive archive, long length)
    {
        var pickles = archive.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') <= 1).ToList();
        if (pickles.Count != 1)
            throw new CheckpointFormatException(path, $"expected one '<name>/data.pkl' in the archive (torch.save's layout), found {pickles.Count}.");
        var entry = pickles[0];
        string prefix = entry.FullName[..^"data.pkl".Length];
        var pickle = ZipEntries.ReadAll(path, entry, MaxPickleBytes, length);

        List<Tensor> created = [];
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            object root;
            try
            {
                root = TorchUnpickler.Load(path, archive, prefix, length, pickle, out created);
            }
            catch (Exception e) when (e is not (CheckpointFormatException or OutOfMemoryException or IOException))
            {
                throw Translate(path, e);
            }
            if (root is not IDictionary table)
                throw new CheckpointFormatException(path, $"the pickle holds a {Kind(root)}, not a state_dict (a dictionary of tensors).");
            Flatten(path, table, result);
            if (result.Count == 0)
                throw new CheckpointFormatException(path, "the file holds no tensors.");
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        finally
        {
            var kept = new HashSet<Tensor>(result.Values, ReferenceEqualityComparer.Instance);
            foreach (var t in created)
                if (!kept.Contains(t)) t.Dispose();
        }
    }

    /// <summary>
    /// Collects the tensors of <paramref name="root"/> under dotted keys, breadth-first with an explicit queue: no
    /// recursion (a deeply nested file cannot overflow the stack) and each key built once from its path.
    /// </summary>
    private static void Flatten(string path, IDictionary root, Dictionary<string, Tensor> into)
    {
        var pending = new Queue<(object? Value, Node? Key, int Depth, bool Weights)>();
        var placed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        pending.Enqueue((root, null, 0, true));
        int visited = 0;
        while (pending.Count > 0)
        {
            var (value, key, depth, weights) = pending.Dequeue();
            if (++visited > MaxEntries)
                throw new CheckpointFormatException(path, $"the pickle's structure has more than {MaxEntries} entries (shared sub-dictionaries are counted each time they are reached).");
            if (depth > MaxDepth)
                throw new CheckpointFormatException(path, $"'{key}' is nested more than {MaxDepth} levels deep (or the structure refers to itself).");
            if (TorchUnpickler.RefusedGlobal(value) is { } refused)
                throw TorchUnpickler.Refused(path, refused);
            switch (value)
            {
                case Tensor t when weights && key is not null:
                    string name = key.ToString();
                    if (into.ContainsKey(name))
                        throw new CheckpointFormatException(path, $"key '{name}' occurs twice (a nested dictionary's dotted key equals another key).");
                    // The same tensor under two keys (tied weights) gets its own copy, so each can be disposed.
                    into[name] = !placed.Add(t) || t.dtype != ScalarType.Float32 ? t.to(ScalarType.Float32, copy: true) : t;
                    break;
                case IDictionary dict:
                    if (dict is TorchUnpickler.OrderedDict { State: { } state })
                        pending.Enqueue((state, key, depth + 1, false)); // attributes such as _metadata: inspected, never weights
                    foreach (DictionaryEntry kv in dict)
                    {
                        if (kv.Key is not string k)
                            throw TorchUnpickler.RefusedGlobal(kv.Key) is { } g ? TorchUnpickler.Refused(path, g)
                                : new CheckpointFormatException(path, $"non-string key {Kind(kv.Key)} in '{key}'.");
                        // Training checkpoints wrap the weights; anything else nested keeps its name as a dotted prefix.
                        bool wrapper = key is null && k is "model" or "state_dict" or "module";
                        pending.Enqueue((kv.Value, wrapper ? null : new Node(key, k), depth + 1, weights));
                    }
                    break;
                case IEnumerable items and not string and not byte[]:
                    // Lists, tuples and sets hold no weights, but may hide a refused global.
                    foreach (var item in items) pending.Enqueue((item, key, depth + 1, false));
                    break;
                default:
                    break; // numbers, strings, None: not weights
            }
        }
    }

    /// <summary>A dotted key as a chain of parts; the string is made once, at the tensor.</summary>
    private sealed record Node(Node? Parent, string Part)
    {
        public override string ToString()
        {
            var parts = new Stack<string>();
            for (var n = this; n is not null; n = n.Parent) parts.Push(n.Part);
            return string.Join('.', parts);
        }
    }

    private static CheckpointFormatException Translate(string path, Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is CheckpointFormatException cfe) return cfe;
        // Razorvine's stand-in object for an unregistered global refuses to be called with arguments.
        if (e is PickleException && UnregisteredCall().Match(e.Message) is { Success: true } m)
            return TorchUnpickler.Refused(path, m.Groups[1].Value);
        return new CheckpointFormatException(path,
            $"not a readable PyTorch state_dict (expected the zip format written by torch.save(model.state_dict())): {e.GetType().Name}: {e.Message}", e);
    }

    private static string Kind(object? value) => value is null ? "None" : value.GetType().Name;

    [GeneratedRegex(@"construction of ClassDict \(for ([^)]{1,200})\)")]
    private static partial Regex UnregisteredCall();
}
