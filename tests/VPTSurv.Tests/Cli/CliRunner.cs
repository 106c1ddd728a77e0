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

    public static string TempDir() => Directory.CreateTempSubdirectory("vptsurv-cli-").FullName;
}
