using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>
/// The safetensors format (8-byte little-endian header length, a JSON header, raw little-endian data), read
/// defensively: every length, dtype, shape and offset is checked against the file before a byte is trusted, so a
/// truncated or hostile file fails with a <see cref="CheckpointFormatException"/> naming the key and the problem.
/// Tensors are returned as float32 on the CPU (F32, F16 and BF16 are accepted).
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (the format's own reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static int ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => 0,
    };

    private sealed record Entry(string Key, string DType, long[] Shape, long Begin, long End);

    /// <summary>Reads every tensor of <paramref name="path"/> as float32 (caller owns and disposes them).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var file = File.OpenRead(path);
        var (header, dataStart, dataLength) = ReadHeader(path, file);
        var entries = ParseHeader(path, header, dataLength);

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
            {
                var bytes = new byte[e.End - e.Begin];
                file.Seek(dataStart + e.Begin, SeekOrigin.Begin);
                file.ReadExactly(bytes);
                result[e.Key] = tensor(Decode(bytes, e.DType), e.Shape, dtype: ScalarType.Float32);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// The header's <c>__metadata__</c> (string keys to string values, as the format defines it) of
    /// <paramref name="path"/>; empty when the header has none. The header is validated as <see cref="Read"/> does.
    /// </summary>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        using var file = File.OpenRead(path);
        var (header, _, dataLength) = ReadHeader(path, file);
        ParseHeader(path, header, dataLength);
        using var doc = JsonDocument.Parse(header);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!doc.RootElement.TryGetProperty("__metadata__", out var meta)) return result;
        if (meta.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(path, $"'__metadata__' must be an object of strings, got {meta.ValueKind}.");
        foreach (var p in meta.EnumerateObject())
            result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                : throw new CheckpointFormatException(path, $"'__metadata__' key '{p.Name}' must be a string, got {p.Value.ValueKind}.");
        return result;
    }

    // The header bytes, where the data starts and how long it is; a truncated file or bad length names the file.
    private static (byte[] Header, long DataStart, long DataLength) ReadHeader(string path, FileStream file)
    {
        long length = file.Length;
        if (length < 8)
            throw new CheckpointFormatException(path, $"truncated: the file is {length} bytes, but a safetensors file starts with an 8-byte header length.");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > (ulong)(length - 8))
            throw new CheckpointFormatException(path,
                $"bad header length {headerLength}: expected between 2 and min({MaxHeaderBytes}, file size - 8 = {length - 8}) bytes.");
        var header = new byte[(int)headerLength];
        file.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;
        return (header, dataStart, length - dataStart);
    }

    private static List<Entry> ParseHeader(string path, byte[] header, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new CheckpointFormatException(path, "the header is not valid UTF-8 JSON.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(path, $"the header is not valid JSON ({ex.Message}).", ex);
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(path, $"the header must be a JSON object, got {doc.RootElement.ValueKind}.");

        var entries = new List<Entry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            // JSON allows a repeated name and parsers keep one of them silently; a header must say one thing per tensor.
            if (!seen.Add(prop.Name))
                throw new CheckpointFormatException(path, $"key '{prop.Name}' appears twice in the header; each tensor must be listed once.");
            if (prop.Name == "__metadata__")
                continue;
            entries.Add(ParseEntry(path, prop.Name, prop.Value, dataLength));
        }

        // Two tensors may not share bytes: a hostile file could otherwise alias one buffer under many names.
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new CheckpointFormatException(path,
                    $"tensors '{sorted[i - 1].Key}' [{sorted[i - 1].Begin}, {sorted[i - 1].End}) and '{sorted[i].Key}' [{sorted[i].Begin}, {sorted[i].End}) overlap; data offsets must not overlap.");
        return entries;
    }

    private static Entry ParseEntry(string path, string key, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(path, $"key '{key}': expected an object with dtype, shape and data_offsets.");
        if (!value.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw new CheckpointFormatException(path, $"key '{key}': missing or non-string 'dtype'.");
        string dtype = dtypeEl.GetString()!;
        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
            throw new CheckpointFormatException(path, $"key '{key}': unsupported dtype '{dtype}'; expected F32, F16 or BF16.");
        if (!value.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw new CheckpointFormatException(path, $"key '{key}': missing or non-array 'shape'.");
        var shape = new List<long>();
        long count = 1;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new CheckpointFormatException(path, $"key '{key}': shape entries must be non-negative integers, got {shapeEl.GetRawText()}.");
            shape.Add(dim);
            try { count = checked(count * dim); }
            catch (OverflowException) { throw new CheckpointFormatException(path, $"key '{key}': shape {shapeEl.GetRawText()} is too large."); }
        }
        if (!value.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new CheckpointFormatException(path, $"key '{key}': 'data_offsets' must be an array [begin, end].");
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new CheckpointFormatException(path, $"key '{key}': data_offsets {offEl.GetRawText()} must be integers with 0 <= begin <= end.");
        if (end > dataLength)
            throw new CheckpointFormatException(path,
                $"key '{key}': data_offsets {offEl.GetRawText()} run past the end of the data section ({dataLength} bytes); the file is truncated or corrupt.");
        long expected;
        try { expected = checked(count * elementSize); }
        catch (OverflowException) { throw new CheckpointFormatException(path, $"key '{key}': shape {shapeEl.GetRawText()} is too large."); }
        if (end - begin != expected)
            throw new CheckpointFormatException(path,
                $"key '{key}': {dtype} shape {shapeEl.GetRawText()} needs {expected} bytes but data_offsets {offEl.GetRawText()} span {end - begin}.");
        return new Entry(key, dtype, shape.ToArray(), begin, end);
    }

    private static float[] Decode(byte[] bytes, string dtype)
    {
        switch (dtype)
        {
            case "F32":
            {
                var values = new float[bytes.Length / 4];
                for (int i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
                return values;
            }
            case "F16":
            {
                var values = new float[bytes.Length / 2];
                for (int i = 0; i < values.Length; i++)
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(2 * i));
                return values;
            }
            default: // BF16: the upper half of a float32
            {
                var values = new float[bytes.Length / 2];
                for (int i = 0; i < values.Length; i++)
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i)) << 16);
                return values;
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as F32 safetensors through a temporary file renamed into place; an existing
    /// <paramref name="path"/> is replaced only when <paramref name="overwrite"/> is true.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, bool overwrite = false,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!overwrite && File.Exists(path))
            throw new IOException($"{path} already exists; pass overwrite: true to replace it.");
        var keys = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var blobs = new List<byte[]>();
        var header = new Dictionary<string, object>();
        if (metadata is not null) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var key in keys)
        {
            using var scope = NewDisposeScope();
            var t = tensors[key].detach().to(ScalarType.Float32).cpu().contiguous();
            var values = t.data<float>().ToArray();
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            blobs.Add(bytes);
            header[key] = new { dtype = "F32", shape = t.shape, data_offsets = new[] { offset, offset + bytes.Length } };
            offset += bytes.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        json.CopyTo(headerBytes, 0);

        AtomicFile.Write(path, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write);
            var len = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            fs.Write(len);
            fs.Write(headerBytes);
            foreach (var b in blobs) fs.Write(b);
        }, overwrite);
    }
}
