using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Tests.Encoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Fuzz;

/// <summary>
/// Property: whatever bytes a user hands the four file readers (safetensors, .pth, manifest, config), the reader
/// returns a value or throws its documented error naming the file; never another exception, a hang or a crash.
/// CsCheck generates mutants of valid seeds (and shrinks a failure to a small input); the inputs the long fuzz runs
/// (bench: fuzz-*) found are kept in Fixtures/fuzz/&lt;reader&gt; and replayed as regression cases.
/// </summary>
public sealed class ReaderFuzzTests : IDisposable
{
    private const int Iterations = 300;
    private readonly string dir = Directory.CreateTempSubdirectory("vptsurv-fuzz-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>One edit: (kind, relative position, byte).</summary>
    private static readonly Gen<(int Kind, double At, byte Value)> Edit = Gen.Select(Gen.Int[0, 5], Gen.Double[0, 1], Gen.Byte);

    private static Gen<byte[]> Mutants(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Edit.Array[1, 6], (i, edits) => Apply(seeds[i], edits));

    private static byte[] Apply(byte[] seed, (int Kind, double At, byte Value)[] edits)
    {
        var data = new List<byte>(seed);
        foreach (var (kind, at, value) in edits)
        {
            int i = (int)(at * data.Count);
            switch (kind)
            {
                case 0 when i < data.Count: data[i] = value; break;
                case 1: data.Insert(i, value); break;
                case 2 when i < data.Count: data.RemoveRange(i, Math.Min(data.Count - i, 1 + value % 16)); break;
                case 3: data.RemoveRange(i, data.Count - i); break; // truncate
                case 4 when i < data.Count: data.InsertRange(i, Enumerable.Repeat(data[i], 1 + value)); break;
                case 5 when i < data.Count: data[i] ^= (byte)(1 << (value % 8)); break;
            }
        }
        return [.. data];
    }

    private void Holds(string extension, Gen<byte[]> inputs, Action<string> read, Func<Exception, bool> documented)
    {
        var path = Path.Combine(dir, "input" + extension);
        inputs.Sample(bytes =>
        {
            File.WriteAllBytes(path, bytes);
            try { read(path); }
            catch (Exception e) when (documented(e)) { }
        }, iter: Iterations, threads: 1);
    }

    private static void ReadTensors(Func<string, Dictionary<string, Tensor>> reader, string path)
    {
        foreach (var t in reader(path).Values) t.Dispose();
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(ReferenceFixtures.Path(name));

    [Fact]
    public void Safetensors_reader_returns_tensors_or_a_format_error() =>
        Holds(".safetensors", Mutants([Fixture("timm_pos_embed.safetensors"), Fixture("sam_tiny.safetensors")]),
            p => ReadTensors(SafeTensors.Read, p), e => e is CheckpointFormatException);

    [Fact]
    public void Pth_reader_returns_tensors_or_a_format_error()
    {
        // Mutate the pickle inside the archive too, not only the zip around it.
        var pickleMutants = Edit.Array[1, 6].Select(edits => PthFiles.Zip(Apply(ValidPickle, edits), ValidStorages));
        Holds(".pth", Gen.OneOf(Mutants([Fixture("timm_tiny.pth"), PthFiles.Valid()]), pickleMutants),
            p => ReadTensors(PthReader.Read, p), e => e is CheckpointFormatException);
    }

    [Fact]
    public void Manifest_reader_returns_a_cohort_or_names_the_problems() =>
        Holds(".csv", Mutants([Encoding.UTF8.GetBytes(string.Join("\n", File.ReadLines(Path.Combine(VPTSurv.Tests.Synthetic.RepoPaths.DataManifests, "synthetic-cd4.csv")).Take(12)) + "\n")]),
            p => ManifestReader.Read(p, checkFiles: false), e => e is ManifestValidationException);

    [Fact]
    public void Config_reader_returns_a_config_or_names_the_key() =>
        Holds(".json", Mutants([Encoding.UTF8.GetBytes("""{ "training": { "epochs": 2, "learningRate": 0.0001 }, "device": "cpu", "evaluation": { "bootstrapResamples": 10 } }""")]),
            p => RunConfig.Resolve("smoke", p, []), e => e is CliInputException);

    public static TheoryData<string> Regressions =>
        [.. Directory.EnumerateFiles(TestSetup.Fixture("fuzz"), "*.bin", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(TestSetup.Fixture("fuzz"), f))];

    [Theory]
    [MemberData(nameof(Regressions))]
    public void Inputs_found_by_fuzzing_give_the_documented_error(string relative)
    {
        var reader = relative.Split(Path.DirectorySeparatorChar)[0];
        var (extension, read, documented) = reader switch
        {
            "pth" => (".pth", (Action<string>)(p => ReadTensors(PthReader.Read, p)), (Func<Exception, bool>)(e => e is CheckpointFormatException)),
            "safetensors" => (".safetensors", p => ReadTensors(SafeTensors.Read, p), e => e is CheckpointFormatException),
            "manifest" => (".csv", p => ManifestReader.Read(p, checkFiles: false), e => e is ManifestValidationException),
            "config" => (".json", ResolveConfig, e => e is CliInputException),
            _ => throw new InvalidOperationException($"no reader for fuzz folder '{reader}'"),
        };
        var path = Path.Combine(dir, "input" + extension);
        File.Copy(Path.Combine(TestSetup.Fixture("fuzz"), relative), path);
        var error = Record.Exception(() => read(path));
        Assert.True(error is null || documented(error), $"{relative}: {error}");
        if (error is not null) Assert.True(error.Message.Contains(path) || error.Message.StartsWith("Override '", StringComparison.Ordinal), error.Message);
    }

    /// <summary>
    /// The config reader as the bench's fuzz-config drives it: leading "--set key=value" lines are command-line
    /// overrides (parsed as the CLI parses them), the rest is the config file.
    /// </summary>
    private static void ResolveConfig(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var overrides = new List<KeyValuePair<string, JsonNode?>>();
        int start = 0;
        while (bytes.AsSpan(start).StartsWith("--set "u8))
        {
            int newline = bytes.AsSpan(start).IndexOf((byte)'\n'), end = newline < 0 ? bytes.Length : start + newline;
            overrides.Add(RunConfig.ParseAssignment(Encoding.UTF8.GetString(bytes, start + 6, end - start - 6)));
            start = Math.Min(bytes.Length, end + 1);
        }
        File.WriteAllBytes(path + ".config.json", bytes[start..]);
        RunConfig.Resolve("smoke", path + ".config.json", overrides);
    }

    private static readonly byte[] ValidPickle = new PickleWriter().EmptyDict().Mark()
        .Str("w").Tensor("0", 4, [2, 2], [2, 1]).Str("b").Tensor("1", 2, [2], [1]).SetItems().Stop().ToArray();

    private static readonly Dictionary<string, byte[]> ValidStorages = new() { ["0"] = PthFiles.Floats(1, 2, 3, 4), ["1"] = PthFiles.Floats(5, 6) };
}
