using VPTSurv.Cli.Terminal;

namespace VPTSurv.Cli.Output;

/// <summary>
/// The folder a command writes its results into. Every result file is named up front and checked before any work
/// starts: an existing file stops the command (exit 2, naming it) unless <c>--force</c>. Files are written under a
/// temporary name and renamed, so an interrupted run never leaves a half file under a result's name. The folder is
/// locked (<see cref="FolderLock"/>) from <see cref="Plan"/> until disposed, and the cache from its first use, so a
/// second run into the same folder or cache is refused at once instead of overwriting this one's files.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    private readonly HashSet<string> _planned = new(StringComparer.Ordinal);
    private readonly string _cache;
    private FolderLock? _rootLock, _cacheLock;

    /// <summary>The folder <paramref name="path"/>; <paramref name="force"/> allows replacing existing result files.</summary>
    public OutputFolder(string path, bool force, string? cache = null)
    {
        Root = Path.GetFullPath(path);
        Force = force;
        _cache = Path.GetFullPath(cache ?? Path.Combine(Root, "cache"));
        if (File.Exists(Root)) throw new CliInputException($"Output folder '{path}' is a file; give a folder with --out.");
    }

    /// <summary>The folder's full path.</summary>
    public string Root { get; }

    /// <summary>Whether existing result files may be replaced.</summary>
    public bool Force { get; }

    /// <summary>
    /// Folder for content-keyed caches (tile pools, features), reused across runs; the first use locks it until this
    /// folder is disposed (a run sharing the cache at the same time is refused, naming the holder).
    /// </summary>
    public string Cache
    {
        get
        {
            lock (_planned) _cacheLock ??= FolderLock.Acquire(_cache, "cache folder");
            return _cache;
        }
    }

    /// <summary>
    /// Declares the result files (relative names) and fails, before any work, when one exists and --force was not
    /// given. Creates the folder.
    /// </summary>
    public void Plan(params string[] names)
    {
        _rootLock ??= FolderLock.Acquire(Root, "output folder");
        foreach (var name in names)
        {
            var full = PathOf(name);
            if (!Force && File.Exists(full))
                throw new CliInputException($"Output file '{full}' already exists; nothing was changed. Use --force to replace the results in '{Root}', or choose another --out.");
            _planned.Add(name);
        }
    }

    /// <summary>Releases the locks of the folder and the cache.</summary>
    public void Dispose()
    {
        _cacheLock?.Dispose();
        _rootLock?.Dispose();
        _cacheLock = _rootLock = null;
    }

    /// <summary>The full path of a result file declared by <see cref="Plan"/>.</summary>
    public string this[string name] => _planned.Contains(name)
        ? PathOf(name)
        : throw new InvalidOperationException($"Result file '{name}' was not declared before the run started.");

    private string PathOf(string name) => Path.Combine(Root, name);
}
