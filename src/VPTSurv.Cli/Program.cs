using Spectre.Console;
using VPTSurv.Cli;

// Redirected output (a log file, CI) gets wide lines instead of an 80-column wrap of the tables.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);

// libtorch's step buffers stay in the C heap between steps instead of being faulted in again (VPTSURV_MALLOC=system to opt out).
VPTSurv.Runtime.NativeAllocator.Configure();

// Ctrl+C cancels the running command at its next step; files are written atomically, so none is left half-written.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested; // a second Ctrl+C ends the process at once
    cancel.Cancel();
};
return CliApp.Run(args, cancellationToken: cancel.Token);
