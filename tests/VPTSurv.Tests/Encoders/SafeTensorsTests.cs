using System.Buffers.Binary;
using System.Text;
using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

/// <summary>The safetensors reader refuses hostile or damaged files with a clear error and never crashes the process.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("vptsurv-st-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string WriteRaw(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Build(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private CheckpointFormatException Fails(string name, byte[] bytes)
    {
        var path = WriteRaw(name, bytes);
        var ex = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));
        Assert.Contains(path, ex.Message);
        return ex;
    }

    [Fact]
    public void TruncatedFileFails()
    {
        var good = System.IO.File.ReadAllBytes(ReferenceFixtures.Path("sam_tiny.safetensors"));
        var ex = Fails("truncated.safetensors", good[..(good.Length - 100)]);
        Assert.Contains("past the end", ex.Message);
        Assert.Contains("truncated", Fails("tiny.safetensors", [1, 2, 3]).Message);
    }

    [Fact]
    public void BadHeaderLengthFails()
    {
        Assert.Contains("bad header length", Fails("huge.safetensors", Build("{}", 0, declaredLength: ulong.MaxValue)).Message);
        Assert.Contains("bad header length", Fails("past.safetensors", Build("{}", 0, declaredLength: 1000)).Message);
        Assert.Contains("bad header length", Fails("zero.safetensors", Build("{}", 0, declaredLength: 0)).Message);
    }

    [Fact]
    public void MalformedHeaderFails()
    {
        Assert.Contains("not valid JSON", Fails("json.safetensors", Build("{\"a\": [", 0)).Message);
        Assert.Contains("must be a JSON object", Fails("array.safetensors", Build("[1, 2]", 0)).Message);
        Assert.Contains("'a'", Fails("noshape.safetensors", Build("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4)).Message);
        Assert.Contains("non-negative", Fails("negshape.safetensors", Build("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4)).Message);
    }

    [Fact]
    public void OffsetsOutOfRangeFail()
    {
        var ex = Fails("range.safetensors", Build("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("past the end", ex.Message);
        Assert.Contains("0 <= begin <= end", Fails("reversed.safetensors", Build("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 8)).Message);
        Assert.Contains("needs 8 bytes", Fails("size.safetensors", Build("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 8)).Message);
        Assert.Contains("too large", Fails("overflow.safetensors",
            Build("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}", 8)).Message);
    }

    [Fact]
    public void OverlappingOffsetsFail()
    {
        var ex = Fails("overlap.safetensors", Build(
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12));
        Assert.Contains("overlap", ex.Message);
        Assert.Contains("'a'", ex.Message);
        Assert.Contains("'b'", ex.Message);
    }

    [Fact]
    public void WrongDtypeFails()
    {
        var ex = Fails("dtype.safetensors", Build("{\"ids\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8));
        Assert.Contains("unsupported dtype 'I64'", ex.Message);
        Assert.Contains("'ids'", ex.Message);
    }

    [Fact]
    public void HalfPrecisionTensorsDecodeExactly()
    {
        using var scope = NewDisposeScope();
        var t = SafeTensors.Read(ReferenceFixtures.Path("dtypes.safetensors"));
        Assert.True(t["f16"].allclose(t["f16_as_f32"], rtol: 0, atol: 0));
        Assert.True(t["bf16"].allclose(t["bf16_as_f32"], rtol: 0, atol: 0));
        Assert.Equal(ScalarType.Float32, t["bf16"].dtype);
    }

    [Fact]
    public void WriteThenReadRoundTripsAndNeverOverwritesSilently()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(dir, "round.safetensors");
        var tensors = new Dictionary<string, Tensor> { ["a"] = randn(3, 4), ["b.c"] = arange(5).to(ScalarType.Float32), ["s"] = tensor(2.5f) };
        SafeTensors.Write(path, tensors);
        var back = SafeTensors.Read(path);
        foreach (var (k, v) in tensors)
            Assert.True(back[k].allclose(v, rtol: 0, atol: 0), k);
        Assert.Throws<IOException>(() => SafeTensors.Write(path, tensors));
        Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
    }

    [Fact]
    public void PthThatIsNotAZipFailsClearly()
    {
        var path = WriteRaw("legacy.pth", [0x80, 0x02, 0x8a, 0x0a, 1, 2, 3, 4]);
        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.ReadFile(path));
        Assert.Contains("legacy", ex.Message);
        var zip = WriteRaw("broken.pth", [0x50, 0x4b, 0x03, 0x04, 9, 9, 9]);
        Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.ReadFile(zip));
    }

    [Fact]
    public void DuplicateKeyInTheHeaderIsRefused()
    {
        // The last entry used to win: a second 'pos_embed' could replace the real one unseen.
        var header = "{\"pos_embed\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"pos_embed\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        var ex = Fails("dup.safetensors", Build(header, 8));
        Assert.Contains("'pos_embed' appears twice", ex.Message);
    }
}
