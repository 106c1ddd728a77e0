using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Runtime;

namespace VPTSurv.Cli.Commands;

public sealed class InfoCommand : Command<InfoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the diagnostics as JSON.")]
        public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var d = Diagnostics.Collect();
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(d, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var table = new Table().AddColumn("item").AddColumn("value");
        foreach (var (name, value) in d.Rows()) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        AnsiConsole.Write(table);
        return 0;
    }
}
