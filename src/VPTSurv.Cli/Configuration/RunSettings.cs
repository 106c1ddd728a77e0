using System.ComponentModel;
using System.Text.Json.Nodes;
using Spectre.Console.Cli;

namespace VPTSurv.Cli.Configuration;

/// <summary>
/// Options every run command takes: the preset, a JSON config whose keys override it, and command-line overrides
/// (which win over the config file).
/// </summary>
public class RunSettings : CommandSettings
{
    [CommandOption("--preset <NAME>")]
    [Description("Named preset: smoke (seconds), cpu (minutes on two cores; the default) or paper (GPU).")]
    public string? Preset { get; init; }

    [CommandOption("--config <FILE>")]
    [Description("JSON config whose keys override the preset (see configs/README.md).")]
    public string? Config { get; init; }

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Override one config key, e.g. --set training.epochs=3 (repeatable; wins over --config).")]
    public string[] Set { get; init; } = [];

    [CommandOption("--manifest <CSV>")]
    [Description("Cohort manifest (data-manifests/SCHEMA.md); default: the embedded synthetic-cd4 cohort.")]
    public string? Manifest { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when available), cpu, cuda or cuda:N.")]
    public string? Device { get; init; }

    [CommandOption("--seed <N>")]
    [Description("The one seed for initialisation, tile sampling and data order.")]
    public int? Seed { get; init; }

    [CommandOption("--epochs <N>")]
    [Description("Training epochs (training.epochs).")]
    public int? Epochs { get; init; }

    [CommandOption("--tiles <N>")]
    [Description("Tiles per WSI per training step (training.tilesPerStep).")]
    public int? Tiles { get; init; }

    [CommandOption("--inference-tiles <N>")]
    [Description("Tiles per WSI at validation and test (training.inferenceTiles).")]
    public int? InferenceTiles { get; init; }

    [CommandOption("--cache <DIR>")]
    [Description("Folder of the content-keyed caches (tile pools, features); default <out>/cache. Share it between runs to reuse work.")]
    public string? Cache { get; init; }

    [CommandOption("--force")]
    [Description("Replace result files that already exist in the output folder.")]
    public bool Force { get; init; }

    /// <summary>The command-line overrides in the order they apply (after the config file).</summary>
    public IEnumerable<KeyValuePair<string, JsonNode?>> Overrides()
    {
        foreach (var s in Set) yield return RunConfig.ParseAssignment(s);
        if (Manifest is not null) yield return KeyValuePair.Create("manifest", (JsonNode?)Manifest);
        if (Device is not null) yield return KeyValuePair.Create("device", (JsonNode?)Device);
        if (Seed is { } seed) yield return KeyValuePair.Create("seed", (JsonNode?)seed);
        if (Epochs is { } e) yield return KeyValuePair.Create("training.epochs", (JsonNode?)e);
        if (Tiles is { } t) yield return KeyValuePair.Create("training.tilesPerStep", (JsonNode?)t);
        if (InferenceTiles is { } n) yield return KeyValuePair.Create("training.inferenceTiles", (JsonNode?)n);
    }

    /// <summary>Resolves the preset, config file and overrides.</summary>
    public RunConfig Resolve(string defaultPreset = "cpu", Func<Training.Preset, JsonObject?>? commandDefaults = null) =>
        RunConfig.Resolve(Preset, Config, Overrides(), defaultPreset, commandDefaults);
}
