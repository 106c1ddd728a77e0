using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace VPTSurv.Charts.Runtime;

/// <summary>
/// Lets Plotly.NET run in hosts that already loaded an older FSharp.Core of the same major version.
/// </summary>
/// <remarks>
/// Plotly.NET 6 references FSharp.Core 10.1.0.0, while the dotnet-interactive kernel (and dotnet-repl) load
/// FSharp.Core 10.0.0.0 into the default load context at start-up. The runtime cannot load a second FSharp.Core there,
/// so the first Plotly.NET call fails with <see cref="FileNotFoundException"/>. FSharp.Core keeps binary compatibility
/// within a major version, so answering the failed lookup with the FSharp.Core already loaded is safe. The handler is
/// consulted only after normal binding failed, so where the right FSharp.Core is present (applications, tests, the CLI)
/// it is never called.
/// </remarks>
public static class FSharpCoreBinding
{
    private static int _installed;

    /// <summary>Whether <see cref="Install"/> has registered the handler in this process.</summary>
    public static bool IsInstalled => Volatile.Read(ref _installed) == 1;

    /// <summary>Registers the lookup handler on the default load context. Idempotent and thread-safe.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
            AssemblyLoadContext.Default.Resolving += Resolve;
    }

    /// <summary>
    /// The handler: for a request of FSharp.Core, the FSharp.Core already loaded in the process when its major version
    /// matches the request; otherwise null (the lookup fails as it would have).
    /// </summary>
    /// <param name="context">The load context that failed to bind (unused: the answer is process-wide).</param>
    /// <param name="requested">The assembly that could not be bound.</param>
    public static Assembly? Resolve(AssemblyLoadContext context, AssemblyName requested)
    {
        if (!string.Equals(requested.Name, "FSharp.Core", StringComparison.Ordinal)) return null;
        var loaded = LoadedFSharpCore();
        if (loaded is null) return null;
        var have = loaded.GetName().Version;
        var want = requested.Version;
        return want is null || have is null || have.Major == want.Major ? loaded : null;
    }

    /// <summary>The FSharp.Core loaded in the process (the default context's first, then any other), or null.</summary>
    public static Assembly? LoadedFSharpCore()
    {
        static bool IsFSharpCore(Assembly a) => string.Equals(a.GetName().Name, "FSharp.Core", StringComparison.Ordinal);
        return AssemblyLoadContext.Default.Assemblies.Where(IsFSharpCore).MaxBy(a => a.GetName().Version)
            ?? AppDomain.CurrentDomain.GetAssemblies().Where(IsFSharpCore).MaxBy(a => a.GetName().Version);
    }
}

internal static class ChartsModuleInit
{
    // Every chart call passes through this assembly before touching a Plotly.NET type, so installing the handler here
    // covers library users in any host; the notebook extension installs it again at `#r` time for cells that use
    // Plotly.NET directly.
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Init() => FSharpCoreBinding.Install();
#pragma warning restore CA2255
}
