namespace VPTSurv.Cli.Terminal;

/// <summary>
/// Bad input or usage: a config key, a file, a row or an option the user can fix. The tool prints the message and
/// exits with <see cref="ExitCodes.BadInput"/>.
/// </summary>
public sealed class CliInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The tool's exit codes, one table for every command (<see cref="ErrorReport.ExitCodeOf"/> maps exceptions to them):
/// <list type="table">
/// <listheader><term>code</term><description>meaning</description></listheader>
/// <item><term>0</term><description>success.</description></item>
/// <item><term>1</term><description>a failure during work: a bug, a native error, a full disk, a diverging run (non-finite loss).</description></item>
/// <item><term>2</term><description>bad input or usage, named in the message: option, config key, manifest row, split, file, checkpoint, slide, a folder in use by another run.</description></item>
/// <item><term>130</term><description>interrupted (Ctrl+C); files already written are whole.</description></item>
/// </list>
/// </summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>Any failure that is not bad input (a bug, a native error, a full disk).</summary>
    public const int Failure = 1;

    /// <summary>Bad input or usage; the message names the file, row, key or option.</summary>
    public const int BadInput = 2;

    /// <summary>Cancelled by Ctrl+C (the shell's convention for SIGINT).</summary>
    public const int Cancelled = 130;
}
