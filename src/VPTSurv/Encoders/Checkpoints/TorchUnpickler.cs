using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>
/// The pickle of a <c>torch.save</c> zip (<c>data.pkl</c>) read by Razorvine.Pickle with its class-constructor
/// registry replaced by an allowlist: the torch rebuild functions, the typed storages and
/// <c>collections.OrderedDict</c>, as in PyTorch's own <c>weights_only</c> loader. Razorvine never executes pickled
/// code; any other global it meets becomes an inert stand-in object, which <see cref="RefusedGlobal"/> turns into a
/// "refused global X" error. Storages are read from their zip entries only after the declared element count, the
/// entry's declared size and the bytes present agree, and a tensor's shape, stride and offset must lie inside its
/// storage before anything is allocated.
/// </summary>
internal sealed class TorchUnpickler : Unpickler
{
    /// <summary>Largest storage accepted (bytes); .NET arrays stop at 2 GiB.</summary>
    public static readonly long MaxStorageBytes = Array.MaxLength;

    /// <summary>The globals a state_dict may name.</summary>
    public static readonly IReadOnlyList<string> Allowed;

    private static readonly Dictionary<string, ScalarType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32, ["DoubleStorage"] = ScalarType.Float64, ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16, ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16, ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
    };

    static TorchUnpickler()
    {
        // The registry is Razorvine's process-wide table; this project uses Razorvine only here, so it becomes the allowlist.
        lock (objectConstructors)
        {
            objectConstructors.Clear();
            var tensor = new RebuildTensor();
            registerConstructor("torch._utils", "_rebuild_tensor", tensor);
            registerConstructor("torch._utils", "_rebuild_tensor_v2", tensor);
            registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameter());
            registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
            foreach (var (name, dtype) in StorageTypes)
                registerConstructor("torch", name, new StorageTypeConstructor(dtype));
            Allowed = [.. objectConstructors.Keys.Order(StringComparer.Ordinal)];
        }
    }

    private readonly string _path;
    private readonly ZipArchive _archive;
    private readonly string _prefix;
    private readonly long _archiveLength;
    private readonly Dictionary<string, Storage> _storages = new(StringComparer.Ordinal);
    private long _storageBytes, _tensorBytes;

    [ThreadStatic] private static TorchUnpickler? _current;

    /// <summary>Tensors made so far (the caller disposes those it does not keep).</summary>
    public List<Tensor> Created { get; } = [];

    private TorchUnpickler(string path, ZipArchive archive, string prefix, long archiveLength)
    {
        _path = path;
        _archive = archive;
        _prefix = prefix;
        _archiveLength = archiveLength;
    }

    /// <summary>
    /// Unpickles <paramref name="pickle"/> (the bytes of <c>{prefix}data.pkl</c>); <paramref name="created"/> receives every
    /// tensor made, also when it throws.
    /// </summary>
    public static object Load(string path, ZipArchive archive, string prefix, long archiveLength, byte[] pickle, out List<Tensor> created)
    {
        var unpickler = new TorchUnpickler(path, archive, prefix, archiveLength);
        created = unpickler.Created;
        var previous = _current;
        _current = unpickler;
        try
        {
            return unpickler.loads(pickle);
        }
        finally
        {
            _current = previous;
            unpickler.close();
        }
    }

    /// <summary>The name of a non-allowlisted global that <paramref name="value"/> stands for, or null.</summary>
    public static string? RefusedGlobal(object? value) => value switch
    {
        ClassDictConstructor c => $"{c.module}.{c.name}",
        ClassDict d => d.ClassName,
        PythonException e => e.PythonExceptionType ?? "a Python exception",
        ExceptionConstructor => "a Python exception class",
        IObjectConstructor c when c is not (RebuildTensor or RebuildParameter or OrderedDictConstructor or StorageTypeConstructor) => c.GetType().Name,
        _ => null,
    };

    /// <summary>The refusal error for global <paramref name="name"/>.</summary>
    public static CheckpointFormatException Refused(string path, string name) =>
        new(path, $"refused global {name}: a state_dict may only name {string.Join(", ", Allowed)}. " +
                  "Whole pickled models and other Python objects are not loaded; save with torch.save(model.state_dict(), ...) or convert to safetensors.");

    protected override object persistentLoad(object pid)
    {
        // torch.save: ("storage", storage type, key, location, element count)
        if (pid is not object[] { Length: 5 } t || t[0] is not "storage")
            throw Fail($"unsupported persistent id {Describe(pid)}; expected ('storage', type, key, location, numel).");
        if (RefusedGlobal(t[1]) is { } refused) throw Refused(_path, refused);
        // GLOBAL pushes the registered constructor itself: the storage type arrives as its constructor.
        if (t[1] is not StorageTypeConstructor { Type: var type }) throw Fail($"persistent id names storage type {Describe(t[1])}.");
        if (t[2] is not string key || key.Length == 0 || key.Length > 64 || !key.All(char.IsAsciiLetterOrDigit))
            throw Fail($"persistent id has storage key {Describe(t[2])}; expected a short alphanumeric archive name.");
        long numel = ToLong(t[4], "storage element count");
        if (_storages.TryGetValue(key, out var known))
        {
            if (known.Type != type.DType || known.Numel != numel)
                throw Fail($"storage '{key}' is declared twice with different types or sizes.");
            return known;
        }
        int elementSize = ElementSize(type.DType);
        if (numel < 0 || numel > MaxStorageBytes / elementSize)
            throw Fail($"storage '{key}' declares {numel} elements of {type.DType}, more than the {MaxStorageBytes} bytes accepted.");
        var entry = _archive.GetEntry($"{_prefix}data/{key}")
                    ?? throw Fail($"storage '{key}' has no entry '{_prefix}data/{key}' in the archive.");
        if (entry.Length != numel * elementSize)
            throw Fail($"storage '{key}' declares {numel} elements of {type.DType} ({numel * elementSize} bytes) but its entry holds {entry.Length} bytes.");
        var bytes = ZipEntries.ReadAll(_path, entry, MaxStorageBytes, _archiveLength);
        var storage = new Storage(key, type.DType, numel, bytes);
        _storages[key] = storage;
        _storageBytes += bytes.Length;
        return storage;
    }

    private CheckpointFormatException Fail(string message) => new(_path, message);

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private static long ToLong(object? value, string what) => value switch
    {
        int i => i,
        long l => l,
        _ => throw new PickleException($"{what} must be an integer, got {Describe(value)}"),
    };

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{(s.Length > 40 ? s[..40] + "…" : s)}'",
        _ => RefusedGlobal(value) is { } g ? $"global {g}" : value.GetType().Name,
    };

    /// <summary>What a storage-type global (e.g. <c>torch.FloatStorage</c>) stands for.</summary>
    private sealed record StorageType(ScalarType DType);

    /// <summary>A storage read from the archive.</summary>
    private sealed record Storage(string Key, ScalarType Type, long Numel, byte[] Bytes);

    private sealed class StorageTypeConstructor(ScalarType dtype) : IObjectConstructor
    {
        public StorageType Type { get; } = new(dtype);

        public object construct(object[] args) => throw new PickleException("storage types are not called in a state_dict");
    }

    /// <summary><c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])</c>.</summary>
    private sealed class RebuildTensor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            var self = _current ?? throw new InvalidOperationException("tensor rebuilt outside TorchUnpickler.Load");
            foreach (var a in args)
                if (RefusedGlobal(a) is { } g) throw Refused(self._path, g);
            if (args.Length < 4 || args[0] is not Storage storage || args[2] is not object[] size || args[3] is not object[] stride || size.Length != stride.Length)
                throw self.Fail($"_rebuild_tensor expects (storage, offset, size, stride, ...), got ({string.Join(", ", args.Select(Describe))}).");
            if (size.Length > 16) throw self.Fail($"tensor from storage '{storage.Key}' has {size.Length} dimensions.");
            long offset = ToLong(args[1], "storage offset");
            var shape = size.Select(s => ToLong(s, "tensor size")).ToArray();
            var strides = stride.Select(s => ToLong(s, "tensor stride")).ToArray();
            // The view must lie inside the storage: offset + sum((size - 1) * stride) < numel, checked without overflow.
            long last = offset, count = 1;
            bool overflow = offset < 0;
            try
            {
                for (int i = 0; i < shape.Length && !overflow; i++)
                {
                    if (shape[i] < 0 || strides[i] < 0) { overflow = true; break; }
                    count = checked(count * shape[i]);
                    if (shape[i] > 0) last = checked(last + (shape[i] - 1) * strides[i]);
                }
            }
            catch (OverflowException) { overflow = true; }
            if (overflow || (count > 0 && last >= storage.Numel))
                throw self.Fail($"tensor of size [{string.Join(", ", shape)}], stride [{string.Join(", ", strides)}], offset {offset} " +
                                $"does not fit in storage '{storage.Key}' of {storage.Numel} elements.");
            // Views may share a storage (tied weights, fused projections), but not be copied out without bound.
            self._tensorBytes += count * ElementSize(storage.Type);
            if (self._tensorBytes > 2 * self._storageBytes + (64 << 20))
                throw self.Fail($"the tensors built ({self._tensorBytes} bytes) far exceed the storages present ({self._storageBytes} bytes); the pickle reuses storages without bound.");
            using var scope = NewDisposeScope();
            var flat = empty(storage.Numel, storage.Type);
            if (storage.Numel > 0) flat.bytes = storage.Bytes;
            var t = (count == 0 ? empty(shape, storage.Type) : flat.as_strided(shape, strides, offset)).contiguous().clone().MoveToOuterDisposeScope();
            self.Created.Add(t);
            return t;
        }
    }

    /// <summary><c>torch._utils._rebuild_parameter(data, requires_grad, hooks)</c>: the tensor itself.</summary>
    private sealed class RebuildParameter : IObjectConstructor
    {
        public object construct(object[] args) =>
            args.Length >= 1 && args[0] is Tensor t ? t : throw new PickleException("_rebuild_parameter expects a tensor");
    }

    private sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) =>
            args.Length == 0 ? new OrderedDict() : throw new PickleException("OrderedDict is rebuilt from no arguments in a state_dict");
    }

    /// <summary>
    /// <c>collections.OrderedDict</c>: items come through SETITEMS; the object state (a state_dict's <c>_metadata</c>)
    /// is kept aside so the walk still inspects it for refused globals, but it holds no weights.
    /// </summary>
    internal sealed class OrderedDict : Hashtable
    {
        /// <summary>The pickled object state (attributes), not items.</summary>
        public Hashtable? State { get; private set; }

        /// <summary>Called by BUILD.</summary>
        public void __setstate__(Hashtable state) => State = state;
    }
}
