using System.Text.Json.Nodes;
using VPTSurv.Runtime;

namespace VPTSurv.Bench;

/// <summary>Every benchmark by name. Each file in this folder adds its own entries here.</summary>
internal static class BenchRegistry
{
    public static readonly Dictionary<string, Func<JsonNode>> All = new()
    {
    };

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
        };
    }
}
