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
            config.UseStrictParsing(); // an unknown option is an error (exit 2), not a silently ignored argument
            config.ConfigureConsole(output);
            config.CancellationExitCode(ExitCodes.Cancelled);
            config.SetExceptionHandler((e, _) => ErrorReport.Handle(e, output));
            config.AddCommand<DemoCommand>("demo")
                .WithDescription("Train the two-stage and the end-to-end model on the embedded synthetic cohort, print the comparison, write report, predictions and KM charts.")
                .WithExample("demo")
                .WithExample("demo", "--preset", "smoke", "--out", "out/smoke");
            config.AddCommand<TileCommand>("tile")
                .WithDescription("Tissue masks, QC thumbnails and tile coordinates for slide files or a manifest's slides.")
                .WithExample("tile", "--manifest", "my-cohort.csv", "--out", "out/tiles");
            config.AddCommand<ExtractCommand>("extract")
                .WithDescription("Two-stage features (frozen encoder) of a cohort's slides into the content-keyed cache.")
                .WithExample("extract", "--manifest", "my-cohort.csv", "--cache", "out/cache");
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train one model (end-to-end VPTSurv, or two-stage with a chosen decoder), evaluate its test split, write model, report, predictions and KM chart; checkpointed every epoch, --resume continues an interrupted run.")
                .WithExample("train", "--method", "two-stage", "--decoder", "abmil", "--out", "out/abmil");
            config.AddCommand<EvaluateCommand>("evaluate")
                .WithDescription("Evaluate a trained model folder on a split: report JSON, predictions CSV, KM chart.")
                .WithExample("evaluate", "out/train", "--split", "val");
            config.AddCommand<KmCommand>("km")
                .WithDescription("Kaplan–Meier chart (PNG + offline HTML) and log-rank test from a predictions CSV or a manifest.")
                .WithExample("km", "out/demo/predictions-end-to-end.csv");
            config.AddCommand<ConfigCommand>("config").WithDescription("Print the resolved config (preset, --config file, overrides): every key a config file can set.");
            config.AddCommand<PretrainEncoderCommand>("pretrain-encoder").WithDescription("MAE pretraining of a preset's encoder on synthetic (or your own unlabelled) tiles; writes safetensors weights.");
            config.AddCommand<MpiCheckCommand>("mpi-check")
                .WithDescription("Under mpirun or srun: check allreduce, broadcast and gather across the ranks against known sums, and time allreduce.")
                .WithExample("mpi-check");
            config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, devices and the native-backend compatibility step.");
        });
        return app;
    }

    /// <summary>Runs the tool with <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args, IAnsiConsole? console = null, CancellationToken cancellationToken = default) =>
        Create(console).Run(args, cancellationToken);
}
