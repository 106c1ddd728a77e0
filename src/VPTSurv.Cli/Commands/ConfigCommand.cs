using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Configuration;

namespace VPTSurv.Cli.Commands;

/// <summary>Prints the complete resolved config (preset, config file, overrides): every key a config file can set.</summary>
public sealed class ConfigCommand(IAnsiConsole console) : Command<RunSettings>
{
    public override int Execute(CommandContext context, RunSettings settings, CancellationToken cancellationToken)
    {
        var config = settings.Resolve();
        console.Profile.Width = Math.Max(console.Profile.Width, 200);
        console.WriteLine(config.Resolved.ToJsonString(RunConfig.Json));
        return 0;
    }
}
