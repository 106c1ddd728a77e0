using Spectre.Console;
using TorchSharp;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Runtime;

namespace VPTSurv.Cli.Runs;

/// <summary>What every run command sets up first: the resolved config, the device, the native backend, the log.</summary>
public sealed class RunContext
{
    private RunContext(RunConfig config, IAnsiConsole console, torch.Device device)
    {
        Config = config;
        Console = console;
        Device = device;
    }

    /// <summary>The resolved config.</summary>
    public RunConfig Config { get; }

    /// <summary>Where messages go.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>The device tensors are created on.</summary>
    public torch.Device Device { get; }

    /// <summary>Resolves <paramref name="settings"/>, loads the native backend and chooses the device.</summary>
    public static RunContext Create(RunSettings settings, IAnsiConsole console, string defaultPreset = "cpu",
        Func<Training.Preset, System.Text.Json.Nodes.JsonObject?>? commandDefaults = null)
    {
        return From(settings.Resolve(defaultPreset, commandDefaults), console);
    }

    /// <summary>Loads the native backend and chooses the device of a resolved <paramref name="config"/>.</summary>
    public static RunContext From(RunConfig config, IAnsiConsole console)
    {
        NativeBackend.EnsureLoaded();
        torch.Device device;
        try { device = Devices.Choose(config.Device, line => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]")); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { throw new CliInputException($"--device: {e.Message}"); }
        // No torch.set_default_device: the device goes to the library explicitly (TrainerOptions.Device, ModelFile.Load).
        return new RunContext(config, console, device);
    }

    /// <summary>Prints a grey log line.</summary>
    public void Log(string line) => Console.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
}
