using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VPTSurv.Tests.Encoders;

/// <summary>
/// Writes pickle opcodes (protocol 2, the one torch.save uses) so tests can build the hostile .pth files a user might
/// be handed: nested dictionaries, lying storages, foreign globals. Opcode bytes follow CPython's pickletools table.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _s = new();

    public PickleWriter() => Op(0x80).Byte(2); // PROTO 2

    public PickleWriter Op(byte op) { _s.WriteByte(op); return this; }
    private PickleWriter Byte(byte b) => Op(b);

    public PickleWriter Mark() => Op((byte)'(');
    public PickleWriter Tuple() => Op((byte)'t');
    public PickleWriter EmptyTuple() => Op((byte)')');
    public PickleWriter EmptyDict() => Op((byte)'}');
    public PickleWriter EmptyList() => Op((byte)']');
    public PickleWriter SetItem() => Op((byte)'s');
    public PickleWriter SetItems() => Op((byte)'u');
    public PickleWriter Reduce() => Op((byte)'R');
    public PickleWriter Build() => Op((byte)'b');
    public PickleWriter False() => Op(0x89);
    public PickleWriter None() => Op((byte)'N');
    public PickleWriter BinPersId() => Op((byte)'Q');
    public PickleWriter Put(byte i) => Op((byte)'q').Byte(i);
    public PickleWriter Get(byte i) => Op((byte)'h').Byte(i);
    public PickleWriter Stop() => Op((byte)'.');

    public PickleWriter Int(int v)
    {
        Op((byte)'J');
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        _s.Write(b);
        return this;
    }

    public PickleWriter Long(long v)
    {
        Op(0x8a).Byte(8); // LONG1, 8 bytes, two's complement little-endian
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        _s.Write(b);
        return this;
    }

    public PickleWriter Str(string v)
    {
        var bytes = Encoding.UTF8.GetBytes(v);
        Op((byte)'X');
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, bytes.Length);
        _s.Write(b);
        _s.Write(bytes);
        return this;
    }

    public PickleWriter Global(string module, string name)
    {
        Op((byte)'c');
        _s.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    /// <summary>torch's tensor: _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()).</summary>
    public PickleWriter Tensor(string storageKey, long numel, long[] size, long[] stride, long offset = 0, string storage = "FloatStorage")
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", storage).Str(storageKey).Str("cpu").Long(numel).Tuple().BinPersId();
        Long(offset);
        Mark(); foreach (var s in size) Long(s); Tuple();
        Mark(); foreach (var s in stride) Long(s); Tuple();
        False().Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => _s.ToArray();
}

/// <summary>torch.save's zip layout: <c>archive/data.pkl</c> and one <c>archive/data/{key}</c> entry per storage.</summary>
internal static class PthFiles
{
    public static byte[] Zip(byte[] pickle, IReadOnlyDictionary<string, byte[]>? storages = null)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle);
            foreach (var (key, bytes) in storages ?? new Dictionary<string, byte[]>())
                using (var s = zip.CreateEntry($"archive/data/{key}", CompressionLevel.NoCompression).Open()) s.Write(bytes);
        }
        return ms.ToArray();
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>A valid state_dict {"w": [[1, 2], [3, 4]], "b": [5, 6]} (b is a view into w's... own storage).</summary>
    public static byte[] Valid()
    {
        var p = new PickleWriter().Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark()
            .Str("w").Tensor("0", 4, [2, 2], [2, 1])
            .Str("b").Tensor("1", 2, [2], [1])
            .SetItems().Stop();
        return Zip(p.ToArray(), new Dictionary<string, byte[]> { ["0"] = Floats(1, 2, 3, 4), ["1"] = Floats(5, 6) });
    }
}
