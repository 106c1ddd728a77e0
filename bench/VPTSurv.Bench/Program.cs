using System.Text.Json;
using System.Text.Json.Nodes;
using VPTSurv.Bench;
using VPTSurv.Runtime;

NativeBackend.EnsureLoaded();

// Usage: dotnet run -c Release --project bench/VPTSurv.Bench -- [name ...] [--out file.json]
// Each benchmark returns a JSON object; all measurements in one object are taken side by side in the same run.
var all = BenchRegistry.All;
var outPath = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
var names = args.TakeWhile(a => a != "--out").ToList();
if (names.Count == 0 || names.Contains("list"))
{
    Console.Error.WriteLine("benchmarks: " + string.Join(", ", all.Keys) + " (or 'all')");
    if (names.Count == 0) return 2;
    return 0;
}
var chosen = names.Contains("all") ? all.Keys.ToList() : names;
var result = new JsonObject { ["machine"] = BenchRegistry.Machine() };
foreach (var name in chosen)
{
    if (!all.TryGetValue(name, out var run))
    {
        Console.Error.WriteLine($"unknown benchmark '{name}'; known: {string.Join(", ", all.Keys)}");
        return 2;
    }
    Console.Error.WriteLine($"running {name} ...");
    result[name] = run();
}
// Relaxed escaping: quotes, '<' and '×' stay readable in the committed results (they are data files, never HTML).
var json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
Console.WriteLine(json);
if (outPath is not null)
    AtomicFile.WriteAllText(outPath, json);
return 0;
