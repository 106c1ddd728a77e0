using Spectre.Console.Cli;
using VPTSurv.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("vptsurv");
    config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, devices and the native-backend compatibility step.");
});
return app.Run(args);
