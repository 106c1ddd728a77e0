using VPTSurv.Cli.Terminal;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>
/// <c>vptsurv evaluate</c> reads only <c>model.safetensors</c>: a folder from an older version (the two-stage
/// decoder.safetensors, bins.json and standardization.json), or one with only a training checkpoint, is refused with a
/// message that names the folder and says what to do, before any config or cohort is read.
/// </summary>
public class EvaluateModelFolderTests
{
    [Theory]
    [InlineData("decoder.safetensors", "older vptsurv")]
    [InlineData("checkpoint.zip", "unfinished run")]
    [InlineData("notes.txt", "holds no model.safetensors")]
    public void A_folder_without_model_safetensors_is_refused_saying_why(string file, string expected)
    {
        var dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, file), "x");
        var (code, output) = CliRunner.Run("evaluate", dir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(expected, output);
        Assert.Contains(Path.GetFileName(dir), output);
    }
}
