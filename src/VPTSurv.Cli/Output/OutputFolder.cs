using VPTSurv.Cli.Terminal;

namespace VPTSurv.Cli.Output;

/// <summary>
/// The folder a command writes its results into. Every result file is named up front and checked before any work
/// starts: an existing file stops the command (exit 2, naming it) unless <c>--force</c>. Files are written under a
/// temporary name and renamed, so an interrupted run never leaves a half file under a result's name.
/// </summary>
public sealed class OutputFolder
{
    private readonly HashSet<string> _planned = new(StringComparer.Ordinal);

    /// <summary>The folder <paramref name="path"/>; <paramref name="force"/> allows replacing existing result files.</summary>
    public OutputFolder(string path, bool force, string? cache = null)
    {
        Root = Path.GetFullPath(path);
        Force = force;
        Cache = Path.GetFullPath(cache ?? Path.Combine(Root, "cache"));
        if (File.Exists(Root)) throw new CliInputException($"Output folder '{path}' is a file; give a folder with --out.");
    }

    /// <summary>The folder's full path.</summary>
    public string Root { get; }

    /// <summary>Whether existing result files may be replaced.</summary>
    public bool Force { get; }

    /// <summary>Folder for content-keyed caches (tile pools, features), reused across runs.</summary>
    public string Cache { get; }

    /// <summary>
    /// Declares the result files (relative names) and fails, before any work, when one exists and --force was not
    /// given. Creates the folder.
    /// </summary>
    public void Plan(params string[] names)
    {
        foreach (var name in names)
        {
            var full = PathOf(name);
            if (!Force && File.Exists(full))
                throw new CliInputException($"Output file '{full}' already exists; nothing was changed. Use --force to replace the results in '{Root}', or choose another --out.");
            _planned.Add(name);
        }
        Directory.CreateDirectory(Root);
    }

    /// <summary>The full path of a result file declared by <see cref="Plan"/>.</summary>
    public string this[string name] => _planned.Contains(name)
        ? PathOf(name)
        : throw new InvalidOperationException($"Result file '{name}' was not declared before the run started.");

    private string PathOf(string name) => Path.Combine(Root, name);
}
