using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Commands;
using VPTSurv.Cli.Terminal;

namespace VPTSurv.Cli;

/// <summary>The <c>vptsurv</c> command tree; tests run it in-process through <see cref="Run"/>.</summary>
public static class CliApp
{
    /// <summary>The configured command app writing to <paramref name="console"/> (the terminal when null).</summary>
    public static CommandApp Create(IAnsiConsole? console = null)
    {
        var app = new CommandApp();
        var output = console ?? AnsiConsole.Console;
        app.Configure(config =>
        {
            config.SetApplicationName("vptsurv");
            config.ConfigureConsole(output);
            config.CancellationExitCode(ExitCodes.Cancelled);
            config.SetExceptionHandler((e, _) => ErrorReport.Handle(e, output));
            config.AddCommand<DemoCommand>("demo")
                .WithDescription("Train the two-stage and the end-to-end model on the embedded synthetic cohort, print the comparison, write report, predictions and KM charts.")
                .WithExample("demo")
                .WithExample("demo", "--preset", "smoke", "--out", "out/smoke");
            config.AddCommand<PretrainEncoderCommand>("pretrain-encoder").WithDescription("MAE pretraining of a preset's encoder on synthetic (or your own unlabelled) tiles; writes safetensors weights.");
            config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, devices and the native-backend compatibility step.");
        });
        return app;
    }

    /// <summary>Runs the tool with <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args, IAnsiConsole? console = null, CancellationToken cancellationToken = default) =>
        Create(console).Run(args, cancellationToken);
}
