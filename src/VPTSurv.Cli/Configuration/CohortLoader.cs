using System.Reflection;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;

namespace VPTSurv.Cli.Configuration;

/// <summary>
/// Reads the run's cohort: a manifest file, or one of the synthetic manifests embedded in the tool (the committed
/// data-manifests/synthetic-*.csv), so that <c>vptsurv demo</c> works from any folder after <c>dotnet tool install</c>.
/// </summary>
public static class CohortLoader
{
    /// <summary>The cohort used when no manifest is given.</summary>
    public const string DefaultCohort = "synthetic-cd4";

    /// <summary>Names of the embedded manifests (usable as <c>--manifest synthetic-cd8</c>).</summary>
    public static IReadOnlyList<string> Embedded { get; } = ["synthetic-cd4", "synthetic-cd8", "synthetic-null"];

    /// <summary>
    /// Reads <paramref name="manifest"/> (a path, or an embedded name; null = <see cref="DefaultCohort"/>). A missing
    /// file or an invalid manifest throws naming the path (and, for a bad manifest, every bad line).
    /// </summary>
    public static Cohort Load(string? manifest)
    {
        manifest ??= DefaultCohort;
        if (File.Exists(manifest)) return ManifestReader.Read(manifest);
        if (Embedded.Contains(manifest))
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"VPTSurv.Cli.{manifest}.csv")
                ?? throw new InvalidOperationException($"The embedded manifest '{manifest}' is missing from the tool's assembly.");
            using var reader = new StreamReader(stream);
            return ManifestReader.Read(reader, manifest, Environment.CurrentDirectory);
        }
        throw new CliInputException(
            $"Manifest '{manifest}' does not exist (full path: {Path.GetFullPath(manifest)}); give a CSV manifest (data-manifests/SCHEMA.md) or one of the embedded cohorts: {string.Join(", ", Embedded)}.");
    }

    /// <summary>
    /// The cohort of a training run (<see cref="Load"/>), checked before any work: the splits as they will be trained
    /// (after the preset's subset) must have training slides with a death, validation slides and test slides (<see cref="SplitPreconditions"/>).
    /// </summary>
    public static Cohort LoadTrainable(RunConfig config)
    {
        var cohort = Load(config.Manifest);
        SplitPreconditions.RequireTrainable(cohort, config.Preset.Training.Subset, config.Manifest ?? DefaultCohort);
        return cohort;
    }
}
