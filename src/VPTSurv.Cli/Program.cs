using Spectre.Console;
using VPTSurv.Cli;

// Redirected output (a log file, CI) gets wide lines instead of an 80-column wrap of the tables.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);

// Ctrl+C cancels the running command at its next step; files are written atomically, so none is left half-written.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested; // a second Ctrl+C ends the process at once
    cancel.Cancel();
};
return CliApp.Run(args, cancellationToken: cancel.Token);
