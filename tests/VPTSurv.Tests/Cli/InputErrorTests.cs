using Xunit;
using VPTSurv.Cli.Terminal;

namespace VPTSurv.Tests.Cli;

/// <summary>Bad input stops the tool before any work with exit code 2 and a message naming what to fix.</summary>
public sealed class InputErrorTests
{
    [Fact]
    public void Unknown_config_key_exits_2_naming_the_key_and_the_file()
    {
        var dir = CliRunner.TempDir();
        var config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, """{ "training": { "epochs": 1, "learningRat": 0.1 } }""");
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--config", config, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("training.learningRat", output);
        Assert.Contains(config, output);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void Unknown_top_level_key_exits_2_naming_it()
    {
        var dir = CliRunner.TempDir();
        var config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, """{ "epochs": 3 }""");
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--config", config, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("'epochs'", output);
    }

    [Fact]
    public void Wrongly_typed_override_exits_2_naming_the_key()
    {
        var dir = CliRunner.TempDir();
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--set", "training.epochs=\"many\"", "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("training.epochs", output);
    }

    [Fact]
    public void Invalid_value_exits_2_naming_the_setting()
    {
        var dir = CliRunner.TempDir();
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--epochs", "0", "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Epochs", output);
    }

    [Fact]
    public void Missing_manifest_exits_2_naming_the_path()
    {
        var dir = CliRunner.TempDir();
        var manifest = Path.Combine(dir, "no-such-cohort.csv");
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--manifest", manifest, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(manifest, output);
    }

    [Fact]
    public void Manifest_with_a_bad_row_exits_2_naming_the_line()
    {
        var dir = CliRunner.TempDir();
        var manifest = Path.Combine(dir, "cohort.csv");
        File.WriteAllText(manifest, "patient_id,slide_id,source,time,event,split,stain\nP1,S1,synthetic:v1;seed=1;stain=CD4,-3,1,train,CD4\n");
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--manifest", manifest, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("line 2", output);
    }

    [Fact]
    public void Unknown_preset_exits_2_naming_the_choices()
    {
        var dir = CliRunner.TempDir();
        var (code, output) = CliRunner.Run("demo", "--preset", "huge", "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("'huge'", output);
        Assert.Contains("smoke", output);
    }

    [Fact]
    public void Unknown_option_exits_2_instead_of_being_ignored()
    {
        var dir = CliRunner.TempDir();
        var (code, output) = CliRunner.Run("demo", "--preset", "smoke", "--no-such-option", "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("no-such-option", output);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }
}
