using System.Text.Json.Nodes;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Reads Fixtures/survival/toolkit/toolkit.json, written by make_toolkit.R (R's survival package) on 11 datasets:
/// the six of make_reference.R, R's veteran, ovarian and aml, a hand-made set where one group has no event, and a
/// single subject. A block R could not compute (e.g. no comparable pair) is absent from the file.
/// </summary>
internal static class ToolkitReference
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(TestSetup.Fixture("survival", "toolkit", "toolkit.json")))!);

    public static IEnumerable<string> Names() => ((JsonObject)Root.Value["datasets"]!).Select(p => p.Key);

    public static TheoryData<string> Datasets()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names()) data.Add(name);
        return data;
    }

    public static JsonObject Dataset(string name) => (JsonObject)Root.Value["datasets"]![name]!;

    public static string[] Strings(JsonNode? node) => node switch
    {
        JsonArray a => a.Select(v => v!.GetValue<string>()).ToArray(),
        _ => [node!.GetValue<string>()],
    };

    public sealed record Data(SurvivalTargets Y, double[] Risk, double[] Risk2, string[] Group, string[] Strata, double[][] X);

    public static Data Columns(string name)
    {
        var d = Dataset(name)["data"]!;
        var x = ((JsonArray)d["x"]!).Select(RReference.Numbers).ToArray();
        return new Data(SurvivalTargets.Create(RReference.Numbers(d["time"]), RReference.Ints(d["event"])),
            RReference.Numbers(d["risk"]), RReference.Numbers(d["risk2"]), Strings(d["group"]), Strings(d["strata"]), x);
    }
}
