using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Slides;
using VPTSurv.Survival;
using VPTSurv.Training;

namespace VPTSurv.Cli.Terminal;

/// <summary>Turns an exception that ended a command into a message and an exit code.</summary>
public static class ErrorReport
{
    /// <summary>
    /// The exit code for <paramref name="error"/>, by the one table of <see cref="ExitCodes"/>: 130 for Ctrl+C; 2 for input
    /// or usage the user can fix (a file, row, key, option, a busy folder, a checkpoint of another run); 1 for
    /// everything that fails while working (a bug, a native error, a full disk, a run whose loss became NaN).
    /// </summary>
    public static int ExitCodeOf(Exception error) => error switch
    {
        OperationCanceledException => ExitCodes.Cancelled,
        CliInputException or CommandParseException or CommandRuntimeException
            or ManifestValidationException or CohortSplitException or JsonException
            or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
            or CheckpointFormatException or CheckpointMismatchException or ResumeMismatchException
            or SlideFormatException or MissingMppException
            or NoEventsException or NoComparablePairsException => ExitCodes.BadInput,
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
