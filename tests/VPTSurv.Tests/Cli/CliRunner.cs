using Spectre.Console;
using VPTSurv.Cli;

namespace VPTSurv.Tests.Cli;

/// <summary>Runs the tool in-process through its CommandApp, capturing what it prints (plain text, wide lines).</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 400; // messages stay on one line, so tests can look for a path or key in them
        int code = CliApp.Run(args, console);
        return (code, writer.ToString());
    }

    /// <summary>A `train` of seconds: the Smoke preset, 2 epochs, on 8/4/6 slides with an 8-tile pool.</summary>
    public static readonly string[] SmallTrain =
        ["--preset", "smoke", "--set", "training.subset={\"train\":8,\"val\":4,\"test\":6,\"seed\":0}", "--set", "training.tilePool=8", "--set", "training.epochs=2"];

    public static string TempDir() => Directory.CreateTempSubdirectory("vptsurv-cli-").FullName;
}
