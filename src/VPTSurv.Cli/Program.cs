using Spectre.Console.Cli;
using VPTSurv.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("vptsurv");
    config.AddCommand<PretrainEncoderCommand>("pretrain-encoder").WithDescription("MAE pretraining of a preset's encoder on synthetic (or your own unlabelled) tiles; writes safetensors weights.");
    config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, devices and the native-backend compatibility step.");
});
return app.Run(args);
