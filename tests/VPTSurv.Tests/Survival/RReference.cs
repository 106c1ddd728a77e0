using System.Text.Json.Nodes;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>
/// Reads Fixtures/survival/reference.json, written by make_reference.R (R's survival package). R's JSON writer
/// turns one-element vectors into scalars and NA / Inf into null (read here as NaN).
/// </summary>
internal static class RReference
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(TestSetup.Fixture("survival", "reference.json")))!);

    public static readonly string[] DatasetNames = ["ties_time", "ties_risk", "heavy_censoring", "one_event", "integer_times", "lung"];

    public static TheoryData<string> Datasets()
    {
        var data = new TheoryData<string>();
        foreach (var name in DatasetNames) data.Add(name);
        return data;
    }

    public static JsonObject Dataset(string name) => (JsonObject)Root.Value["datasets"]![name]!;

    public static double Number(JsonNode? node) => node is null ? double.NaN : node.GetValue<double>();

    public static double[] Numbers(JsonNode? node) => node switch
    {
        JsonArray a => a.Select(Number).ToArray(),
        null => [double.NaN],
        _ => [Number(node)],
    };

    public static int[] Ints(JsonNode? node) => Numbers(node).Select(v => (int)v).ToArray();

    public static double[,] Matrix(JsonNode? node, int rows)
    {
        var r = (JsonArray)node!;
        int cols = Numbers(r[0]).Length;
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            var row = Numbers(r[i]);
            for (int k = 0; k < cols; k++) m[i, k] = row[k];
        }
        return m;
    }

    public static (SurvivalTargets Targets, double[] Risk, int[] Group, double[] X1, double[] X2) Columns(string name)
    {
        var d = Dataset(name)["data"]!;
        var targets = SurvivalTargets.Create(Numbers(d["time"]), Ints(d["event"]));
        return (targets, Numbers(d["risk"]), Ints(d["group"]), Numbers(d["x1"]), Numbers(d["x2"]));
    }

    /// <summary>|actual - expected| &lt;= rel |expected| (plus 1e-14 for values at 0); R's NA/Inf (null) must be non-finite.</summary>
    public static void Close(double expected, double actual, string what, double rel = 1e-9)
    {
        if (double.IsNaN(expected))
        {
            Assert.False(double.IsFinite(actual), $"{what}: R gives NA/Inf, got {actual}");
            return;
        }
        Assert.True(Math.Abs(actual - expected) <= rel * Math.Abs(expected) + 1e-14,
            $"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):E2})");
    }

    public static void Close(double[] expected, IReadOnlyList<double> actual, string what, double rel = 1e-9)
    {
        Assert.True(expected.Length == actual.Count, $"{what}: expected {expected.Length} values, got {actual.Count}");
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], $"{what}[{i}]", rel);
    }
}
