using Xunit;
using System.Text.Json.Nodes;

namespace VPTSurv.Tests.Cli;

/// <summary>
/// `vptsurv train --method two-stage --decoder patchgcn|hvtsurv` trains the spatial baselines (tile positions from the
/// demo's tile pool and feature cache), and `evaluate` gives the saved PatchGCN the same positions again.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class SpatialDecoderCommandTests(DemoSmokeRun run)
{
    // The demo's subset and tile pool, so the demo's cached tiles and features are reused.
    private string[] Common => ["--preset", "smoke", "--set", "training.subset={\"train\":16,\"val\":8,\"test\":12,\"seed\":0}", "--set", "training.tilePool=16",
        "--cache", Path.Combine(run.Out, "cache")];

    [Theory]
    [InlineData("two-stage", "patchgcn", "PatchGCN")]
    [InlineData("end-to-end", "patchgcn", "PatchGCN")]
    [InlineData("end-to-end", "hvtsurv", "HVTSurv")]
    public void Train_with_a_spatial_decoder_succeeds_and_evaluate_reproduces_its_test_C(string method, string decoder, string display)
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var model = Path.Combine(run.Out, $"train-{method}-{decoder}");
        var (code, output) = CliRunner.Run(["train", "--method", method, "--decoder", decoder, "--out", model, .. Common]);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors")));
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "report.json")))!["model"]!;
        Assert.Contains(display, (string)report["description"]!);
        var trained = report["test"]!;

        var (code2, output2) = CliRunner.Run("evaluate", model, "--split", "test", "--cache", Path.Combine(run.Out, "cache"));
        Assert.True(code2 == 0, output2);
        var evaluated = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "eval-test", "report.json")))!;
        Assert.Equal((int)trained["slides"]!, (int)evaluated["slides"]!);
        Assert.Equal((double)trained["c_index_slide"]!["c_index"]!, (double)evaluated["c_index_slide"]!["c_index"]!, 9);
    }

    [Fact]
    public void Train_with_decoder_hvtsurv_succeeds()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        var model = Path.Combine(run.Out, "train-hvtsurv");
        var (code, output) = CliRunner.Run(["train", "--method", "two-stage", "--decoder", "hvtsurv", "--out", model, .. Common]);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(model, "report.json")));
    }
}
