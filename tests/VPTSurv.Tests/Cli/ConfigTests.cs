using System.Text.Json.Nodes;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>Config resolution: precedence, the saved config.json round trip, and the committed examples.</summary>
public sealed class ConfigTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VPTSurv.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (VPTSurv.sln) not found above the test assembly");
    }

    [Fact]
    public void Command_line_beats_config_file_which_beats_the_preset()
    {
        var file = Path.Combine(CliRunner.TempDir(), "c.json");
        File.WriteAllText(file, """{ "training": { "epochs": 7, "learningRate": 0.01 } }""");
        var cfg = RunConfig.Resolve("smoke", file, [KeyValuePair.Create("training.epochs", (JsonNode?)3)]);
        Assert.Equal(3, cfg.Preset.Training.Epochs);
        Assert.Equal(0.01, cfg.Preset.Training.LearningRate);
        Assert.Equal(Preset.Smoke.Training.TilesPerStep, cfg.Preset.Training.TilesPerStep);
    }

    [Fact]
    public void Saved_config_json_resolves_to_the_same_preset()
    {
        var cfg = RunConfig.Resolve("cpu", null, [RunConfig.ParseAssignment("training.subset={\"train\":10,\"val\":5,\"test\":5}"), RunConfig.ParseAssignment("prompts.sources=\"Structure\"")]);
        var file = Path.Combine(CliRunner.TempDir(), "config.json");
        File.WriteAllText(file, cfg.Resolved.ToJsonString(RunConfig.Json));
        var again = RunConfig.Resolve(null, file, []);
        Assert.Equal(PresetJson.Of(cfg.Preset), PresetJson.Of(again.Preset));
        Assert.Equal(10, again.Preset.Training.Subset!.Train);
    }

    [Fact]
    public void Every_committed_example_config_resolves()
    {
        var files = Directory.GetFiles(Path.Combine(RepoRoot(), "configs"), "*.json");
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var cfg = RunConfig.Resolve(null, f, []);
            Assert.NotNull(cfg.Preset);
        }
    }

    [Fact]
    public void Invalid_json_names_the_file_and_line()
    {
        var file = Path.Combine(CliRunner.TempDir(), "broken.json");
        File.WriteAllText(file, "{\n  \"training\": { \"epochs\": 3,, }\n}");
        var e = Assert.Throws<CliInputException>(() => RunConfig.Resolve("smoke", file, []));
        Assert.Contains(file, e.Message);
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void An_override_with_more_levels_than_any_config_key_is_refused_naming_it()
    {
        // Found by the fuzz run (bench fuzz-config): 70 dotted levels made System.Text.Json throw an
        // InvalidOperationException ("CurrentDepth (64) ... maximum allowed depth") instead of a CliInputException.
        var key = "training." + string.Join(".", Enumerable.Repeat("epocng", 70));
        var e = Assert.Throws<CliInputException>(() => RunConfig.Resolve("smoke", null, [RunConfig.ParseAssignment(key + "=3")]));
        Assert.StartsWith("Override 'training.epocng.epocng", e.Message);
        Assert.Contains("71 levels of keys; config keys have at most 8", e.Message);
    }

    [Fact]
    public void A_value_nested_past_the_json_depth_limit_is_refused_naming_the_section()
    {
        var deep = new string('[', 62) + new string(']', 62); // parses (depth 62), but under training.x it passes 64
        var e = Assert.Throws<CliInputException>(() => RunConfig.Resolve("smoke", null, [RunConfig.ParseAssignment("training.x=" + deep)]));
        Assert.Contains("key 'training' nests objects or arrays more than 48 levels deep", e.Message);
    }
}
