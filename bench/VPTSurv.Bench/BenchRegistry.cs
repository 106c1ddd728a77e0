using System.Reflection;
using System.Text.Json.Nodes;
using VPTSurv.Runtime;

namespace VPTSurv.Bench;

/// <summary>Marks a static method <c>JsonNode Run()</c> as a benchmark with a name.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BenchmarkAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Every benchmark by name, discovered from <see cref="BenchmarkAttribute"/> so each file stands alone.</summary>
internal static class BenchRegistry
{
    public static readonly SortedDictionary<string, Func<JsonNode>> All = Discover();

    private static SortedDictionary<string, Func<JsonNode>> Discover()
    {
        var result = new SortedDictionary<string, Func<JsonNode>>(StringComparer.Ordinal);
        foreach (var type in typeof(BenchRegistry).Assembly.GetTypes())
            foreach (var m in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                if (m.GetCustomAttribute<BenchmarkAttribute>() is { } a)
                    result.Add(a.Name, () => (JsonNode)m.Invoke(null, null)!);
        return result;
    }

    public static JsonObject Machine()
    {
        var d = Diagnostics.Collect();
        return new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["threads"] = d.Threads,
            ["os"] = d.Os,
            ["dotnet"] = d.DotNetVersion,
            ["torchsharp"] = d.TorchSharpVersion,
            ["device"] = d.ChosenDevice,
            ["utc"] = DateTime.UtcNow.ToString("O"),
        };
    }
}
