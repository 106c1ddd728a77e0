using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Slides;

namespace VPTSurv.Cli.Terminal;

/// <summary>Turns an exception that ended a command into a message and an exit code.</summary>
public static class ErrorReport
{
    /// <summary>The exit code for <paramref name="error"/>: 2 for what the user can fix, 130 for Ctrl+C, else 1.</summary>
    public static int ExitCodeOf(Exception error) => error switch
    {
        OperationCanceledException => ExitCodes.Cancelled,
        CliInputException or ManifestValidationException or CommandParseException or CommandRuntimeException
            or FileNotFoundException or DirectoryNotFoundException or CheckpointFormatException or SlideFormatException
            or MissingMppException or JsonException or CohortSplitException or Training.ResumeMismatchException => ExitCodes.BadInput,
        _ => ExitCodes.Failure,
    };

    /// <summary>Writes the message (and, for failures that are not bad input, the exception type) and returns the exit code.</summary>
    public static int Handle(Exception error, IAnsiConsole console)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } agg) error = agg.InnerExceptions[0];
        int code = ExitCodeOf(error);
        switch (code)
        {
            case ExitCodes.Cancelled:
                console.MarkupLine("[yellow]Cancelled.[/] Files already written are complete; nothing was left half-written.");
                break;
            case ExitCodes.BadInput:
                console.MarkupLine($"[red]error:[/] {Markup.Escape(error.Message)}");
                break;
            default:
                console.MarkupLine($"[red]failed ({Markup.Escape(error.GetType().Name)}):[/] {Markup.Escape(error.Message)}");
                if (Environment.GetEnvironmentVariable("VPTSURV_TRACE") == "1") console.WriteException(error);
                else console.MarkupLine("[grey]Set VPTSURV_TRACE=1 for the stack trace.[/]");
                break;
        }
        return code;
    }
}
