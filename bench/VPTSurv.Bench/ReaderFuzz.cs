using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// Mutational fuzzing of the four readers of user files (safetensors, .pth, manifest, config) for a fixed time
/// (<c>VPTSURV_FUZZ_SECONDS</c>, default 600 per reader): inputs from a corpus are mutated (bit flips, byte and
/// length-field edits, insertions, deletions, splices, repeats), each mutant is read, and the outcome must be a value
/// or the reader's documented error. The corpus starts as the seed files and keeps every mutant whose outcome (the
/// value, or the error with numbers and paths stripped) was new, so later mutants start from inputs that got further
/// into the reader. Any other exception, a hang (watchdog, 20 s) or a process crash is a finding; its input is saved
/// under <c>VPTSURV_FUZZ_CRASHES</c> (default bench/fuzz-crashes) to become a regression case. The paths covered are
/// measured by coverlet's branch instrumentation of the reader's classes (FuzzCoverage.targets runs a reader under it;
/// <see cref="FuzzCoverageReport"/> adds the branches covered to the run's figures).
/// </summary>
internal static partial class ReaderFuzz
{
    [Benchmark("fuzz-safetensors")]
    public static JsonNode SafeTensorsFuzz() => Run("safetensors", ".safetensors", SafeTensorsSeeds(), path =>
    {
        foreach (var t in SafeTensors.Read(path).Values) t.Dispose();
    }, e => e is CheckpointFormatException);

    [Benchmark("fuzz-pth")]
    public static JsonNode PthFuzz() => Run("pth", ".pth", PthSeeds(), path =>
    {
        foreach (var t in PthReader.Read(path).Values) t.Dispose();
    }, e => e is CheckpointFormatException, MutatePickle);

    [Benchmark("fuzz-manifest")]
    public static JsonNode ManifestFuzz() => Run("manifest", ".csv", ManifestSeeds(), path => ManifestReader.Read(path, checkFiles: false),
        e => e is ManifestValidationException);

    /// <summary>
    /// The config file and the command line's <c>--set key=value</c> overrides: leading lines "--set …" of an input are
    /// overrides (parsed as the CLI parses them), the rest is the config file.
    /// </summary>
    [Benchmark("fuzz-config")]
    public static JsonNode ConfigFuzz() => Run("config", ".json", ConfigSeeds(), path =>
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
        var config = path + ".config.json";
        File.WriteAllBytes(config, bytes[start..]);
        RunConfig.Resolve("smoke", config, overrides);
    }, e => e is CliInputException);

    private static JsonNode Run(string reader, string extension, IReadOnlyList<byte[]> seeds, Action<string> read, Func<Exception, bool> expected,
        Func<Random, IReadOnlyList<byte[]>, byte[]>? mutate = null)
    {
        mutate ??= Mutate;
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("VPTSURV_FUZZ_SECONDS"), out var s) ? s : 600;
        var crashDir = Path.Combine(Environment.GetEnvironmentVariable("VPTSURV_FUZZ_CRASHES") ?? Path.Combine("bench", "fuzz-crashes"), reader);
        var dir = Directory.CreateTempSubdirectory($"vptsurv-fuzz-{reader}-").FullName;
        var path = Path.Combine(dir, "input" + extension);
        var rng = new Random(12345);
        var corpus = new List<byte[]>(seeds);
        long corpusBytes = seeds.Sum(x => (long)x.Length);
        var outcomes = new Dictionary<string, long>(StringComparer.Ordinal);
        var crashes = new List<string>();
        long executions = 0, accepted = 0;
        double slowestMs = 0;
        byte[] current = [];
        long lastBeat = Stopwatch.GetTimestamp();
        using var watchdog = new Timer(_ =>
        {
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref lastBeat)).TotalSeconds < 20) return;
            Save(crashDir, "hang", current);
            Console.Error.WriteLine($"fuzz {reader}: an input ran for 20 s (saved in {crashDir}); stopping.");
            Environment.Exit(3);
        }, null, 1000, 1000);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            current = mutate(rng, rng.Next(4) == 0 ? seeds : corpus); // a quarter from the seeds themselves
            File.WriteAllBytes(path, current);
            Interlocked.Exchange(ref lastBeat, Stopwatch.GetTimestamp());
            long start = Stopwatch.GetTimestamp();
            string outcome;
            try
            {
                using var scope = NewDisposeScope();
                read(path);
                outcome = "ok";
                accepted++;
            }
            catch (Exception e) when (expected(e))
            {
                outcome = e.GetType().Name + ": " + Normalise(e.Message, dir);
            }
            catch (Exception e)
            {
                outcome = "CRASH " + e.GetType().Name + ": " + Normalise(e.Message, dir);
                if (!outcomes.ContainsKey(outcome) && crashes.Count < 50) crashes.Add(Save(crashDir, e.GetType().Name, current) + " " + outcome);
            }
            slowestMs = Math.Max(slowestMs, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!outcomes.ContainsKey(outcome) && corpus.Count < MaxCorpus && corpusBytes + current.Length <= MaxCorpusBytes)
            {
                corpus.Add(current);
                corpusBytes += current.Length;
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            executions++;
        }
        Directory.Delete(dir, recursive: true);
        using var self = Process.GetCurrentProcess();
        return new JsonObject
        {
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["executions"] = executions,
            ["executions_per_second"] = Math.Round(executions / clock.Elapsed.TotalSeconds, 1),
            ["accepted"] = accepted,
            ["distinct_outcomes"] = outcomes.Count,
            ["corpus"] = corpus.Count,
            ["corpus_mb"] = Math.Round(corpusBytes / 1048576.0, 1),
            ["instrumented"] = Environment.GetEnvironmentVariable("VPTSURV_FUZZ_CLASSES") is { Length: > 0 } classes
                ? $"coverlet branch counting in {classes} (executions/s include its cost)"
                : "no",
            ["crashes"] = outcomes.Where(o => o.Key.StartsWith("CRASH", StringComparison.Ordinal)).Sum(o => o.Value),
            ["crash_inputs"] = new JsonArray([.. crashes.Select(c => (JsonNode)c)]),
            ["slowest_input_ms"] = Math.Round(slowestMs, 1),
            ["peak_working_set_mb"] = self.PeakWorkingSet64 >> 20,
            ["seeds"] = seeds.Count,
            ["most_common_outcomes"] = new JsonArray([.. outcomes.OrderByDescending(o => o.Value).Take(25)
                .Select(o => (JsonNode)$"{o.Value}× {(o.Key.Length > 160 ? o.Key[..160] + "…" : o.Key)}")]),
        };
    }

    /// <summary>
    /// Most inputs and bytes the corpus keeps (seeds included); later new outcomes are still counted, not kept. The byte
    /// cap keeps the fuzzer's own memory out of the peak working set, which is there to show the readers' allocations
    /// are bounded (an uncapped corpus of .pth mutants reached 3.5 GB).
    /// </summary>
    private const int MaxCorpus = 20_000;

    private const long MaxCorpusBytes = 128L << 20;

    private static string Save(string dir, string kind, byte[] input)
    {
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(input))[..16]}.bin");
        File.WriteAllBytes(file, input);
        return file;
    }

    private static string Normalise(string message, string dir) => Numbers().Replace(message.Replace(dir, "<dir>"), "#");

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();

    /// <summary>One to four random edits of a random seed (or of a splice of two seeds).</summary>
    private static byte[] Mutate(Random rng, IReadOnlyList<byte[]> seeds)
    {
        var data = new List<byte>(seeds[rng.Next(seeds.Count)]);
        if (rng.Next(8) == 0)
        {
            var other = seeds[rng.Next(seeds.Count)];
            int cut = rng.Next(data.Count + 1), from = rng.Next(other.Length + 1);
            data = [.. data.Take(cut), .. other.Skip(from)];
        }
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = data.Count == 0 ? 0 : rng.Next(data.Count);
            switch (rng.Next(9))
            {
                case 0 when data.Count > 0: data[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when data.Count > 0: data[at] = (byte)rng.Next(256); break;
                case 2: data.Insert(at, (byte)rng.Next(256)); break;
                case 3 when data.Count > 0: data.RemoveRange(at, Math.Min(data.Count - at, 1 + rng.Next(16))); break;
                case 4 when data.Count > 0: data[at] = Interesting[rng.Next(Interesting.Length)]; break;
                case 5 when data.Count >= 4: // a 32-bit length or count field set to an edge value
                    var v = BitConverter.GetBytes(InterestingInts[rng.Next(InterestingInts.Length)]);
                    for (int i = 0; i < 4 && at + i < data.Count; i++) data[at + i] = v[i];
                    break;
                case 6 when data.Count > 0: // repeat a block (deep nesting, duplicate keys)
                    int len = Math.Min(data.Count - at, 1 + rng.Next(64));
                    var block = data.GetRange(at, len);
                    for (int r = rng.Next(1, 64); r > 0; r--) data.InsertRange(at, block);
                    break;
                case 7: data.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[rng.Next(Tokens.Length)])); break;
                case 8 when data.Count > 0: data.RemoveRange(at, data.Count - at); break; // truncation
            }
        }
        return [.. data];
    }

    private static readonly byte[] Interesting = [0, 1, 0x7f, 0x80, 0xff, (byte)'"', (byte)',', (byte)'\n', (byte)'{', (byte)'}', (byte)'[', (byte)']'];
    private static readonly int[] InterestingInts = [0, 1, -1, int.MaxValue, int.MinValue, 0x10000, 255, 256];
    private static readonly string[] Tokens =
    [
        "\"", "\"\"", ",", "\n", "\r\n", "NaN", "-1", "1e308", "{}", "[]", "null", "\"__metadata__\"", "\"dtype\":\"F64\"",
        "\"data_offsets\":[0,99999999999]", "\"shape\":[4294967296,4294967296]", "cos\nsystem\n", "ctorch\nFloatStorage\n",
        "\"training\":{", "\"epochs\":", "split", "train", "test", "time", "event", "mpp",
    ];

    /// <summary>
    /// Files written by Python's safetensors (Fixtures/encoders/make_fixtures.py): three dtypes with metadata, a
    /// position table without metadata, a whole encoder. Our own writer is not run, so its branches stay out of the count.
    /// </summary>
    private static IReadOnlyList<byte[]> SafeTensorsSeeds() =>
        [FixtureBytes("dtypes.safetensors"), FixtureBytes("timm_pos_embed.safetensors"), FixtureBytes("sam_tiny.safetensors")];

    /// <summary>
    /// Three times in four, mutates the pickle inside a seed .pth and zips it again with the seed's storages (so the
    /// pickle reader, not the zip reader, sees most mutants); otherwise mutates the whole file.
    /// </summary>
    private static byte[] MutatePickle(Random rng, IReadOnlyList<byte[]> seeds)
    {
        if (rng.Next(4) == 0) return Mutate(rng, seeds);
        var entries = new List<(string Name, byte[] Data)>();
        try
        {
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(seeds[rng.Next(seeds.Count)]));
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                entries.Add((e.FullName, ms.ToArray()));
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            entries.Clear(); // a corpus input whose zip was mutated: mutate the whole file instead
        }
        int pkl = entries.FindIndex(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        if (pkl < 0) return Mutate(rng, seeds);
        entries[pkl] = (entries[pkl].Name, Mutate(rng, [entries[pkl].Data]));
        if (rng.Next(8) == 0) // a storage cut short
        {
            int k = rng.Next(entries.Count);
            entries[k] = (entries[k].Name, entries[k].Data[..rng.Next(entries[k].Data.Length + 1)]);
        }
        using var outStream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(outStream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
                using (var s = zip.CreateEntry(name, System.IO.Compression.CompressionLevel.NoCompression).Open())
                    s.Write(data);
        return outStream.ToArray();
    }

    /// <summary>
    /// Two encoders saved as plain dicts (make_fixtures.py) and PyTorch's other forms (make_state_dict_fixtures.py: a
    /// module's state_dict with its _metadata, an nn.Parameter, strided views, 0-d and empty tensors).
    /// </summary>
    private static IReadOnlyList<byte[]> PthSeeds() =>
        [FixtureBytes("sam_tiny.pth"), FixtureBytes("timm_tiny.pth"), FixtureBytes("module_state_dict.pth"), FixtureBytes("parameters_and_views.pth")];

    private static byte[] FixtureBytes(string name)
    {
        var path = Path.Combine("tests", "VPTSurv.Tests", "Fixtures", "encoders", name);
        return File.Exists(path) ? File.ReadAllBytes(path)
            : throw new FileNotFoundException($"run the fuzz benchmarks from the repository root ({path} not found)", path);
    }

    private static IReadOnlyList<byte[]> ManifestSeeds()
    {
        var lines = File.ReadLines(Path.Combine("data-manifests", "synthetic-cd4.csv")).Take(30).ToList();
        return
        [
            Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"),
            Encoding.UTF8.GetBytes("patient_id,slide_id,source,time,event,split,stain,mpp,cov_age\nA,\"A-1\",a.svs,12.5,1,train,CD8,0.5,61\nB,B-1,\"b,1.svs\",30,0,test,CD8,,\n"),
        ];
    }

    private static IReadOnlyList<byte[]> ConfigSeeds() =>
    [
        Encoding.UTF8.GetBytes("""{ "training": { "epochs": 2, "learningRate": 0.0001, "subset": { "train": 4, "val": 2, "test": 2, "seed": 0 } }, "device": "cpu" }"""),
        Encoding.UTF8.GetBytes("""{ "preset": "smoke", "decoder": { "layers": 1 }, "evaluation": { "bootstrapResamples": 10 } }"""),
        Encoding.UTF8.GetBytes("--set training.epochs=3\n--set decoder={\"layers\": 1}\n--set manifest=m.csv\n{ \"seed\": 4, \"bagDecoder\": \"abmil\" }"),
    ];
}
