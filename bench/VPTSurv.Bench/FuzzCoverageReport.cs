using System.Diagnostics;
using System.Text.Json.Nodes;

namespace VPTSurv.Bench;

/// <summary>
/// Puts the four readers' fuzz runs (each made by FuzzCoverage.targets under coverlet's instrumentation, see
/// bench/fuzz-readers.sh) into one result: per reader the run's figures and the paths it covered, i.e. coverlet's
/// branches (each outcome of a conditional branch or switch case in the IL of the reader's classes) hit at least once,
/// out of all the branches of those classes, with lines beside them and the methods the run never entered.
/// </summary>
internal static class FuzzCoverageReport
{
    private static readonly string[] Readers = ["safetensors", "pth", "manifest", "config"];

    [Benchmark("fuzz-readers")]
    public static JsonNode Assemble()
    {
        var work = Environment.GetEnvironmentVariable("VPTSURV_FUZZ_WORK") ?? Path.Combine("bench", "fuzz-work");
        var result = new JsonObject
        {
            ["command"] = Environment.GetEnvironmentVariable("VPTSURV_FUZZ_COMMAND") ?? "bash bench/fuzz-readers.sh",
            ["code"] = Git("rev-parse", "HEAD") + (Git("status", "--porcelain", "--", "src", "bench/VPTSurv.Bench").Length > 0
                ? " with uncommitted changes in src/ or bench/VPTSurv.Bench"
                : ""),
        };
        foreach (var reader in Readers)
        {
            string fuzzPath = Path.Combine(work, reader + ".fuzz.json"), coveragePath = Path.Combine(work, reader + ".coverage.json");
            foreach (var p in new[] { fuzzPath, coveragePath })
                if (!File.Exists(p))
                    throw new FileNotFoundException($"{p} is missing: run `dotnet msbuild bench/VPTSurv.Bench -t:FuzzCoverage -p:Configuration=Release -p:FuzzReader={reader}` first (bench/fuzz-readers.sh runs all four).", p);
            var fuzz = JsonNode.Parse(File.ReadAllText(fuzzPath))!;
            var run = fuzz[$"fuzz-{reader}"]!.AsObject();
            var ordered = new JsonObject { ["utc"] = fuzz["machine"]?["utc"]?.DeepClone() };
            foreach (var key in new[] { "seconds", "executions", "executions_per_second", "crashes", "crash_inputs" })
                ordered[key] = run[key]?.DeepClone();
            ordered["coverage"] = Coverage(coveragePath);
            foreach (var (key, value) in run)
                if (!ordered.ContainsKey(key)) ordered[key] = value?.DeepClone();
            result[$"fuzz-{reader}"] = ordered;
        }
        return result;
    }

    /// <summary>Branches and lines of coverlet's JSON report, summed per top-level class (nested and generated types folded in).</summary>
    internal static JsonObject Coverage(string coverletJson)
    {
        var byClass = new SortedDictionary<string, (int Bc, int Bt, int Lc, int Lt, List<string> NotEntered)>(StringComparer.Ordinal);
        var root = JsonNode.Parse(File.ReadAllText(coverletJson))!.AsObject();
        foreach (var (_, files) in root)
            foreach (var (_, classes) in files!.AsObject())
                foreach (var (className, methods) in classes!.AsObject())
                {
                    var name = className.Split('/')[0];
                    (int Bc, int Bt, int Lc, int Lt, List<string> NotEntered) c = byClass.TryGetValue(name, out var seen) ? seen : (0, 0, 0, 0, []);
                    foreach (var (method, data) in methods!.AsObject())
                    {
                        var lines = data!["Lines"]!.AsObject().Select(l => l.Value!.GetValue<int>()).ToList();
                        var branches = data["Branches"]!.AsArray().Select(b => b!["Hits"]!.GetValue<int>()).ToList();
                        c.Lc += lines.Count(h => h > 0);
                        c.Lt += lines.Count;
                        c.Bc += branches.Count(h => h > 0);
                        c.Bt += branches.Count;
                        if (lines.Count > 0 && lines.All(h => h == 0)) c.NotEntered.Add(ShortName(method));
                    }
                    byClass[name] = c;
                }
        if (byClass.Count == 0) throw new InvalidDataException($"{coverletJson}: coverlet reported no class (were the reader's classes instrumented?).");
        int bc = byClass.Values.Sum(c => c.Bc), bt = byClass.Values.Sum(c => c.Bt), lc = byClass.Values.Sum(c => c.Lc), lt = byClass.Values.Sum(c => c.Lt);
        return new JsonObject
        {
            ["tool"] = "coverlet.msbuild (FuzzCoverage.targets); a branch is one outcome of a conditional branch or switch case",
            ["branches_covered"] = bc,
            ["branches_total"] = bt,
            ["branch_percent"] = bt == 0 ? null : Math.Round(100.0 * bc / bt, 1),
            ["lines_covered"] = lc,
            ["lines_total"] = lt,
            ["by_class"] = new JsonObject(byClass.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject
            {
                ["branches"] = $"{kv.Value.Bc} / {kv.Value.Bt}",
                ["lines"] = $"{kv.Value.Lc} / {kv.Value.Lt}",
                ["methods_never_entered"] = new JsonArray([.. kv.Value.NotEntered.Distinct().Order(StringComparer.Ordinal).Select(m => (JsonNode)m)]),
            }))),
        };
    }

    /// <summary>"Type::Method(args)" of coverlet's method key "ReturnType Namespace.Type::Method(args)".</summary>
    private static string ShortName(string method)
    {
        int colons = method.IndexOf("::", StringComparison.Ordinal);
        int space = colons < 0 ? -1 : method.LastIndexOf(' ', colons);
        var typeAndMethod = method[(space + 1)..];
        int lastDot = typeAndMethod.LastIndexOf('.', Math.Max(0, typeAndMethod.IndexOf("::", StringComparison.Ordinal)));
        return typeAndMethod[(lastDot + 1)..];
    }

    private static string Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"git {string.Join(' ', args)} exited with {p.ExitCode}.");
    }
}
