using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Slides;
using VPTSurv.Survival;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>Every command exits by one table: 0 ok, 1 failure during work, 2 bad input, 130 interrupted.</summary>
public sealed class ExitCodeTests
{
    public static TheoryData<Exception, int> Table => new()
    {
        { new OperationCanceledException(), ExitCodes.Cancelled },
        { new CliInputException("--out is a file"), ExitCodes.BadInput },
        { new ManifestValidationException("m.csv", [new ManifestProblem(2, "time", "not a number")]), ExitCodes.BadInput },
        { new CohortSplitException("m.csv", [new SplitProblem(Split.Test, "the test split has no slide")]), ExitCodes.BadInput },
        { new FileNotFoundException("x"), ExitCodes.BadInput },
        { new UnauthorizedAccessException("out/ is read-only"), ExitCodes.BadInput },
        { new CheckpointFormatException("a.pth", "refused global os.system"), ExitCodes.BadInput },
        { new CheckpointMismatchException("a.pth", ["pos_embed"], [], []), ExitCodes.BadInput },
        { new ResumeMismatchException("another run"), ExitCodes.BadInput },
        { new SlideFormatException("s.svs", "not a regular file"), ExitCodes.BadInput },
        { new MissingMppException("S1", "s.tif"), ExitCodes.BadInput },
        { new JsonException("bad"), ExitCodes.BadInput },
        { new NoEventsException("no death"), ExitCodes.BadInput },
        { new NonFiniteException("the training loss of epoch 2 is NaN"), ExitCodes.Failure },
        { new IOException("No space left on device"), ExitCodes.Failure },
        { new InvalidOperationException("a bug"), ExitCodes.Failure },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Exception_maps_to_its_exit_code(Exception error, int code) => Assert.Equal(code, ErrorReport.ExitCodeOf(error));

    [Fact]
    public void Cancellation_reports_130_and_says_files_are_whole()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(writer) });
        Assert.Equal(130, ErrorReport.Handle(new AggregateException(new OperationCanceledException()), console));
        Assert.Contains("Cancelled", writer.ToString());
    }

    [Fact]
    public void Commands_exit_0_on_success_and_2_on_bad_input()
    {
        Assert.Equal(ExitCodes.Success, CliRunner.Run("config", "--preset", "smoke").ExitCode);
        var (code, output) = CliRunner.Run("config", "--preset", "smoke", "--set", "training.epochs=many");
        Assert.True(code == ExitCodes.BadInput, output);
    }

    [Fact]
    public void Duplicate_config_key_names_the_file_and_the_key()
    {
        var dir = CliRunner.TempDir();
        var config = Path.Combine(dir, "dup.json");
        File.WriteAllText(config, """{ "training": { "epochs": 1, "epochs": 2 } }""");
        var (code, output) = CliRunner.Run("config", "--preset", "smoke", "--config", config);
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(config, output);
        Assert.Contains("'training.epochs' appears twice", output);
    }

    [Fact]
    public void Unknown_key_message_names_the_key_once()
    {
        var dir = CliRunner.TempDir();
        var config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, """{ "training": { "learningRat": 0.1 } }""");
        var (code, output) = CliRunner.Run("config", "--preset", "smoke", "--config", config);
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains("key 'training.learningRat'", output);
        Assert.DoesNotContain("learningRat.learningRat", output);
        Assert.DoesNotContain("learningRat)", output); // the list of settable keys does not offer the unknown key back
    }

    [Fact]
    public void Missing_mpp_message_recommends_only_what_exists()
    {
        var message = new MissingMppException("S1", "s.tif").Message;
        Assert.DoesNotContain("mpp column", message);
        Assert.Contains("--mpp", message);
    }
}
