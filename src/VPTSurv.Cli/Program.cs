using VPTSurv.Cli;

// Ctrl+C cancels the running command at its next step; files are written atomically, so none is left half-written.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested; // a second Ctrl+C ends the process at once
    cancel.Cancel();
};
return CliApp.Run(args, cancellationToken: cancel.Token);
