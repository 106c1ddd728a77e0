using System.IO.Compression;
using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

/// <summary>
/// The .pth reader has bounds everywhere: hostile pickles (deep or cyclic nesting, lying storages, foreign globals,
/// oversized entries) fail with a <see cref="CheckpointFormatException"/> naming the file and the problem, before any
/// large allocation and without recursion, and valid state_dicts read exactly.
/// </summary>
public sealed class PthReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("vptsurv-pth-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private CheckpointFormatException Fails(string name, byte[] bytes)
    {
        var path = Write(name, bytes);
        var ex = Assert.Throws<CheckpointFormatException>(() => Dispose(PthReader.Read(path)));
        Assert.Contains(path, ex.Message);
        return ex;
    }

    private static void Dispose(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }

    private static byte[] Dict(Action<PickleWriter> items, IReadOnlyDictionary<string, byte[]>? storages = null)
    {
        var p = new PickleWriter().EmptyDict().Mark();
        items(p);
        return PthFiles.Zip(p.SetItems().Stop().ToArray(), storages);
    }

    private static readonly Dictionary<string, byte[]> OneStorage = new() { ["0"] = PthFiles.Floats(1, 2, 3, 4) };

    [Fact]
    public void Valid_state_dict_reads_exact_values_and_shapes()
    {
        var tensors = PthReader.Read(Write("ok.pth", PthFiles.Valid()));
        try
        {
            Assert.Equal(["b", "w"], tensors.Keys.Order().ToArray());
            Assert.Equal([2L, 2L], tensors["w"].shape);
            Assert.Equal([1f, 2f, 3f, 4f], tensors["w"].data<float>().ToArray());
            Assert.Equal([5f, 6f], tensors["b"].data<float>().ToArray());
        }
        finally { Dispose(tensors); }
    }

    [Fact]
    public void Strided_view_with_offset_reads_the_right_elements()
    {
        // The transpose of a 2x2 storage, and a one-element view at offset 3.
        var tensors = PthReader.Read(Write("view.pth", Dict(p => p
            .Str("t").Tensor("0", 4, [2, 2], [1, 2])
            .Str("last").Tensor("0", 4, [1], [1], offset: 3), OneStorage)));
        try
        {
            Assert.Equal([1f, 3f, 2f, 4f], tensors["t"].data<float>().ToArray());
            Assert.Equal([4f], tensors["last"].data<float>().ToArray());
        }
        finally { Dispose(tensors); }
    }

    [Fact]
    public void Tied_weights_under_two_keys_are_independent_tensors()
    {
        // The second key refers to the first tensor through the pickle memo (as torch writes shared tensors).
        var p = new PickleWriter().EmptyDict().Mark().Str("a").Tensor("0", 4, [4], [1]).Put(7).Str("b").Get(7).SetItems().Stop();
        var tensors = PthReader.Read(Write("tied.pth", PthFiles.Zip(p.ToArray(), OneStorage)));
        tensors["a"].Dispose();
        Assert.Equal([1f, 2f, 3f, 4f], tensors["b"].data<float>().ToArray());
        tensors["b"].Dispose();
    }

    [Fact]
    public void Wrapper_is_unwrapped_and_nested_dictionaries_give_dotted_keys()
    {
        var p = new PickleWriter().EmptyDict().Str("model").EmptyDict().Str("encoder").EmptyDict()
            .Str("w").Tensor("0", 4, [4], [1]).SetItem().SetItem().SetItem()
            .Stop();
        var tensors = PthReader.Read(Write("wrapped.pth", PthFiles.Zip(p.ToArray(), OneStorage)));
        try { Assert.Equal(["encoder.w"], tensors.Keys.ToArray()); }
        finally { Dispose(tensors); }
    }

    [Fact]
    public void Deeply_nested_dictionaries_fail_with_a_depth_error_instead_of_overflowing_the_stack()
    {
        // 300,000 levels (2.4 MB): the old recursive walk killed the process with an uncatchable stack overflow.
        const int levels = 300_000;
        var p = new PickleWriter().EmptyDict();
        for (int i = 0; i < levels; i++) p.Str("a").EmptyDict();
        for (int i = 0; i < levels; i++) p.SetItem();
        var ex = Fails("deep.pth", PthFiles.Zip(p.Stop().ToArray()));
        Assert.Contains($"more than {PthReader.MaxDepth} levels", ex.Message);
    }

    [Fact]
    public void Dictionary_containing_itself_fails_instead_of_recursing_forever()
    {
        var p = new PickleWriter().EmptyDict().Put(0).Str("self").Get(0).SetItem().Stop();
        Assert.Contains("refers to itself", Fails("cycle.pth", PthFiles.Zip(p.ToArray())).Message);
    }

    [Fact]
    public void Shared_subdictionaries_reached_exponentially_often_are_bounded()
    {
        // d0 = {"t": tensor}, d(k+1) = {"a": dk, "b": dk}: 2^30 paths from 30 small dictionaries.
        var p = new PickleWriter().EmptyDict().Str("t").Tensor("0", 4, [4], [1]).SetItem().Put(0);
        for (int k = 1; k <= 30; k++)
            p.EmptyDict().Str("a").Get((byte)(k - 1)).Str("b").Get((byte)(k - 1)).SetItem().SetItem().Put((byte)k);
        var ex = Fails("dag.pth", PthFiles.Zip(p.Stop().ToArray(), OneStorage));
        Assert.Contains($"more than {PthReader.MaxEntries} entries", ex.Message);
    }

    [Fact]
    public void Storage_declaring_two_to_the_31_elements_fails_before_allocating()
    {
        var ex = Fails("huge-storage.pth", Dict(p => p.Str("w").Tensor("0", 1L << 31, [1L << 31], [1]), OneStorage));
        Assert.Contains("2147483648 elements", ex.Message);
    }

    [Fact]
    public void Tensor_shape_larger_than_its_storage_fails_before_allocating()
    {
        // A 16-byte storage viewed as 65536 x 65536 floats: the old reader allocated zeros(size) first (16 GiB).
        var ex = Fails("huge-view.pth", Dict(p => p.Str("w").Tensor("0", 4, [65536, 65536], [65536, 1]), OneStorage));
        Assert.Contains("does not fit in storage '0' of 4 elements", ex.Message);
        ex = Fails("offset-view.pth", Dict(p => p.Str("w").Tensor("0", 4, [3], [1], offset: 2), OneStorage));
        Assert.Contains("does not fit", ex.Message);
    }

    [Fact]
    public void Storage_entry_shorter_than_declared_fails_naming_the_storage()
    {
        var ex = Fails("short.pth", Dict(p => p.Str("w").Tensor("0", 8, [8], [1]), OneStorage));
        Assert.Contains("storage '0' declares 8 elements", ex.Message);
        Assert.Contains("holds 16 bytes", ex.Message);
        Assert.Contains("no entry", Fails("missing.pth", Dict(p => p.Str("w").Tensor("9", 4, [4], [1]), OneStorage)).Message);
    }

    [Fact]
    public void Zero_argument_os_system_global_is_refused_by_name()
    {
        // The old reader built a placeholder for os.system() and silently ignored it.
        var ex = Fails("os-system.pth", Dict(p => p
            .Str("w").Tensor("0", 4, [4], [1])
            .Str("x").Global("os", "system").EmptyTuple().Reduce(), OneStorage));
        Assert.Contains("refused global os.system", ex.Message);
    }

    [Fact]
    public void Called_foreign_global_is_refused_by_name_not_with_a_library_message()
    {
        var ex = Fails("os-system-args.pth", Dict(p => p
            .Str("w").Tensor("0", 4, [4], [1])
            .Str("x").Global("os", "system").Mark().Str("echo pwned").Tuple().Reduce(), OneStorage));
        Assert.Contains("refused global os.system", ex.Message);
        Assert.DoesNotContain("IObjectConstructor", ex.Message);
    }

    [Fact]
    public void Whole_pickled_model_and_hidden_globals_are_refused()
    {
        var model = new PickleWriter().Global("__main__", "Net").EmptyTuple().Reduce().Stop();
        Assert.Contains("refused global __main__.Net", Fails("model.pth", PthFiles.Zip(model.ToArray())).Message);
        // A bare global tucked into a list next to the weights.
        var hidden = Dict(p => p.Str("w").Tensor("0", 4, [4], [1]).Str("l").EmptyList().Global("builtins", "eval").Op((byte)'a'), OneStorage);
        Assert.Contains("refused global builtins.eval", Fails("hidden.pth", hidden).Message);
        // A datetime (which Razorvine would build by default) is not on the allowlist either.
        var date = Dict(p => p.Str("w").Tensor("0", 4, [4], [1]).Str("d").Global("datetime", "datetime").EmptyTuple().Reduce(), OneStorage);
        Assert.Contains("refused global datetime.datetime", Fails("date.pth", date).Message);
    }

    [Fact]
    public void Oversized_pickle_entry_fails_on_its_declared_size()
    {
        // 40 MB of zeros deflate to a 40 kB file; the declared size is refused before it is read.
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.Optimal).Open())
            s.Write(new byte[40 << 20]);
        var ex = Fails("big-pickle.pth", ms.ToArray());
        Assert.Contains("archive/data.pkl", ex.Message);
        Assert.Contains("more than the", ex.Message);
    }

    [Fact]
    public void Garbage_pickle_fails_with_a_format_error()
    {
        Assert.Contains("not a readable PyTorch state_dict", Fails("garbage.pth", PthFiles.Zip([0x80, 2, 0xff, 0xfe, (byte)'.'])).Message);
        Assert.Contains("not a state_dict", Fails("list.pth", PthFiles.Zip(new PickleWriter().EmptyList().Stop().ToArray())).Message);
        Assert.Contains("no tensors", Fails("empty.pth", PthFiles.Zip(new PickleWriter().EmptyDict().Stop().ToArray())).Message);
    }
}
