using System.Text.Json.Nodes;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>
/// What the CLI writes about learning: every model in the demo's report.json carries the untrained (epoch 0) C, the
/// training C per epoch and the did-not-learn verdict with its reason; the console table and summary.md have the
/// "learned" column, and a model that did not learn is named so on the console.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class ReportHonestyCommandTests(DemoSmokeRun run)
{
    [Fact]
    public void DemoReportCarriesEpochZeroTrainingCAndTheDidNotLearnVerdict()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(run.Out, "report.json")))!;
        var models = report["models"]!.AsArray();
        Assert.NotEmpty(models);
        foreach (var m in models)
        {
            bool didNotLearn = (bool)m!["did_not_learn"]!;
            Assert.False(string.IsNullOrEmpty((string?)m["did_not_learn_reason"]));
            Assert.NotNull(m["untrained_validation_c"]);
            Assert.All(m["history"]!.AsArray(), h => Assert.NotNull(h!["train_c"]));
            var training = m["test"]!["training"]!;
            Assert.Equal(0, (int)training["epochs"]![0]!["epoch"]!);
            Assert.Equal(didNotLearn, (bool)m["test"]!["did_not_learn"]!);
            if (didNotLearn) Assert.Contains("DID NOT LEARN", run.Output);
        }
        Assert.Contains("learned", File.ReadAllText(Path.Combine(run.Out, "summary.md")));
    }
}
