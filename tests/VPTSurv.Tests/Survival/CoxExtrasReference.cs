using System.Text.Json.Nodes;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Reads Fixtures/survival/cox/cox_extras.json, written by make_cox_extras.R (R survival + glmnet) on the toolkit
/// datasets with at least 5 events: L1 / elastic-net fits, Schoenfeld residuals and cox.zph values, and predicted
/// survival curves with standard errors and bands. Per dataset a block per ties method ("breslow", "efron").
/// </summary>
internal static class CoxExtrasReference
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(TestSetup.Fixture("survival", "cox", "cox_extras.json")))!);

    public static JsonObject Block(string name, string ties) => (JsonObject)Root.Value["datasets"]![name]![ties]!;

    /// <summary>(dataset, ties) for every block in the file.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, node) in (JsonObject)Root.Value["datasets"]!)
            foreach (var ties in new[] { "breslow", "efron" })
                if (node![ties] is not null) data.Add(name, ties);
        return data;
    }

    /// <summary>A JSON matrix (array of rows; a one-column matrix may come as rows of one value) as rows.</summary>
    public static double[][] Rows(JsonNode? node) => ((JsonArray)node!).Select(RReference.Numbers).ToArray();
}
