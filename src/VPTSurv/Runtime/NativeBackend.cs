using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace VPTSurv.Runtime;

/// <summary>What <see cref="NativeBackend.EnsureLoaded"/> found and did.</summary>
/// <param name="Loaded">Whether the native backend was located (and, on Linux, preloaded by full path).</param>
/// <param name="LibTorchSharpPath">The <c>LibTorchSharp</c> library that was found (the weakened copy when patched).</param>
/// <param name="LibTorchDirectory">The directory holding libtorch (<c>torch_cpu</c>).</param>
/// <param name="CompatibilityPatchApplied">Whether a weakened copy of <c>libLibTorchSharp.so</c> was needed.</param>
/// <param name="Message">A one-line account, for logs and <c>vptsurv info</c>; when not loaded, what is missing and the fix.</param>
public sealed record NativeBackendReport(bool Loaded, string? LibTorchSharpPath, string? LibTorchDirectory, bool CompatibilityPatchApplied, string Message);

/// <summary>TorchSharp's native backend is missing or cannot be loaded; the message names what and the command that fixes it.</summary>
public sealed class NativeBackendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NativeBackendException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The command that fixes the problem (for example <c>dotnet add package libtorch-cpu-linux-x64 --version 2.10.0</c>).</summary>
    public string? Fix { get; init; }
}

/// <summary>
/// Finds and loads TorchSharp's native backend before TorchSharp does, and says the truth when it cannot:
/// <list type="bullet">
/// <item>VPTSurv depends on TorchSharp only; the application adds a libtorch backend package (TorchSharp's convention:
/// <c>libtorch-cpu-linux-x64</c>, <c>TorchSharp-cpu</c>, or a CUDA bundle). When none is found, the error names the
/// package and the one command that adds it, instead of TorchSharp's generic message.</item>
/// <item>The backend is looked for only where the runtime itself looks: the application's folder, the native search
/// directories of its <c>.deps.json</c>, TorchSharp's own package layout for <c>LibTorchSharp</c>, the native folders a
/// notebook kernel publishes for its restored packages (on <c>PATH</c>), and directories registered with
/// <see cref="AddSearchDirectories"/>. The NuGet cache is never searched on its own.</item>
/// <item>TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c>, which Debian 12 and Ubuntu 22.04
/// lack; the only symbol behind it (<c>std::ios_base_library_init</c>) is never called, so a copy of the library with
/// that requirement marked weak (in a per-user cache, never the package folder) loads and works. Nothing is patched
/// where the process's libstdc++ is new enough; other missing versions are an error that says which.</item>
/// <item>A system libtorch (Debian's <c>python3-torch</c>) on the library path can shadow the package's; libc10,
/// libtorch_cpu and libtorch are therefore preloaded by full path.</item>
/// </list>
/// VPTSurv tries this once when its assembly is first used (without throwing); call <see cref="EnsureLoaded"/> yourself
/// before your own first TorchSharp call, so that a missing backend fails with this class's message.
/// </summary>
public static class NativeBackend
{
    /// <summary>Version requirements known to be safe to weaken: no symbol bound to them is ever called.</summary>
    public static readonly IReadOnlySet<string> SafeToWeaken = new HashSet<string> { "GLIBCXX_3.4.32" };

    /// <summary>Environment variable that overrides the cache folder of patched native copies.</summary>
    public const string CacheVariable = "VPTSURV_NATIVE_CACHE";

    private static readonly Lock Gate = new();
    private static readonly List<string> ExtraDirectories = [];
    private static NativeBackendReport? _report;
    private static IntPtr _libTorchSharp, _torchCpu;

    /// <summary>The outcome of the last attempt (successful or not), or null before the first.</summary>
    public static NativeBackendReport? Report => _report;

    /// <summary>
    /// Locates, if needed patches, and preloads the native backend. Idempotent and thread-safe; a failed attempt is
    /// retried on the next call (after a backend package or search directory was added).
    /// </summary>
    /// <exception cref="NativeBackendException">No backend was found, or the system C++ runtime is too old; the message
    /// says what is missing and the command that fixes it.</exception>
    public static NativeBackendReport EnsureLoaded()
    {
        lock (Gate)
        {
            if (_report is { Loaded: true } done) return done;
            try
            {
                return _report = Load();
            }
            catch (NativeBackendException e)
            {
                _report = new(false, null, null, false, e.Message);
                throw;
            }
        }
    }

    /// <summary>
    /// Adds directories to search for <c>LibTorchSharp</c> and libtorch, for hosts that resolve packages outside the
    /// application's <c>.deps.json</c> and do not publish them on PATH. Missing directories are ignored.
    /// </summary>
    public static void AddSearchDirectories(IEnumerable<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        lock (Gate)
        {
            foreach (var d in directories)
                if (!string.IsNullOrWhiteSpace(d) && !ExtraDirectories.Contains(d))
                    ExtraDirectories.Add(d);
        }
    }

    /// <summary>The attempt made when the assembly is first used: never throws (the report says what happened).</summary>
    internal static void TryLoadQuietly()
    {
        try
        {
            EnsureLoaded();
        }
        catch (NativeBackendException)
        {
            // Recorded in Report; EnsureLoaded throws it again where the caller can see it.
        }
    }

    /// <summary>The package id and version arguments of the CPU libtorch for this machine, at the version TorchSharp was built against.</summary>
    internal static string BackendPackage => $"{CpuPackageForThisMachine()} --version {LibTorchPackageVersion(typeof(torch).Assembly)}";

    private static NativeBackendReport Load()
    {
        var names = NativeNames.ForThisOs();
        var torchAssembly = typeof(torch).Assembly;
        var dirs = SearchDirectories(torchAssembly).Select(Path.TrimEndingDirectorySeparator).Distinct().ToList();
        var sharp = FindLibrary(names.LibTorchSharp, dirs);
        var torchCpu = FindLibrary(names.TorchCpu, dirs);
        if (sharp is null || torchCpu is null)
            throw Missing(sharp is null ? names.LibTorchSharp : names.TorchCpu, dirs, torchAssembly);
        var libDir = Path.GetDirectoryName(torchCpu)!;
        if (!OperatingSystem.IsLinux())
            return new(true, sharp, libDir, false, $"found {sharp} and libtorch in {libDir}; TorchSharp loads them.");

        var missing = MissingVersions(sharp, LoadedLibStdCxx());
        string loadPath = sharp;
        bool patched = false;
        if (missing.Count > 0)
        {
            var unsafeOnes = missing.Where(v => !SafeToWeaken.Contains(v)).ToList();
            if (unsafeOnes.Count > 0)
                throw new NativeBackendException(
                    $"{sharp} needs {string.Join(", ", unsafeOnes)} from libstdc++, which this system's C++ runtime ({LoadedLibStdCxx()}) lacks " +
                    "and which cannot be weakened safely. Fix: run on a system whose libstdc++ is from GCC 13 or newer (Debian 13, Ubuntu 24.04), " +
                    "or put a newer libstdc++.so.6 first on the library path, e.g. `conda install -c conda-forge libstdcxx-ng` and " +
                    "`export LD_LIBRARY_PATH=$CONDA_PREFIX/lib`.")
                { Fix = "export LD_LIBRARY_PATH=<folder of a newer libstdc++.so.6>" };
            loadPath = WeakenedCopy(sharp, missing);
            patched = true;
        }

        // Order matters: dependencies first, so that LibTorchSharp's DT_NEEDED entries resolve by soname to these.
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var p = Path.Combine(libDir, name);
            if (!File.Exists(p)) continue;
            try
            {
                var h = NativeLibrary.Load(p);
                if (name == "libtorch_cpu.so") _torchCpu = h;
            }
            catch (DllNotFoundException e)
            {
                throw new NativeBackendException(
                    $"{p} was found but could not be loaded: {e.Message.Trim()} The libtorch package may be incomplete or for another " +
                    $"platform; reinstall it with `dotnet add package {BackendPackage}`.", e)
                { Fix = $"dotnet add package {BackendPackage}" };
            }
        }
        _libTorchSharp = NativeLibrary.Load(loadPath);
        try
        {
            NativeLibrary.SetDllImportResolver(torchAssembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone registered a resolver for TorchSharp already; the preloaded libraries still satisfy dlopen by soname.
        }
        var msg = patched
            ? $"libstdc++ lacks {string.Join(", ", missing)}: loaded a copy of LibTorchSharp with it marked weak ({loadPath}); libtorch from {libDir}."
            : $"libstdc++ is new enough: loaded the packaged LibTorchSharp unchanged; libtorch from {libDir}.";
        return new(true, loadPath, libDir, patched, msg);
    }

    private static NativeBackendException Missing(string file, IReadOnlyList<string> searched, Assembly torchAssembly)
    {
        var fix = $"dotnet add package {BackendPackage}";
        return new NativeBackendException(
            $"TorchSharp's native backend was not found: no {file} next to the application ({AppContext.BaseDirectory}), in the " +
            $"native search paths of its .deps.json, or in a notebook's package folders ({searched.Count} folders searched). " +
            "VPTSurv depends on TorchSharp only, and the " +
            $"application chooses the libtorch backend. Fix: `{fix}` " +
            $"(in a notebook: #r \"nuget: {CpuPackageForThisMachine()}, {LibTorchPackageVersion(torchAssembly)}\"; " +
            "all platforms: TorchSharp-cpu; NVIDIA GPUs: TorchSharp-cuda-linux or TorchSharp-cuda-windows).")
        { Fix = fix };
    }

    private static string CpuPackageForThisMachine()
    {
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        if (OperatingSystem.IsLinux()) return $"libtorch-cpu-linux-{arch}";
        if (OperatingSystem.IsMacOS()) return "libtorch-cpu-osx-arm64";
        if (OperatingSystem.IsWindows()) return $"libtorch-cpu-win-{arch}";
        return "libtorch-cpu";
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so" => _libTorchSharp,
        "torch_cpu" or "libtorch_cpu" or "libtorch_cpu.so" => _torchCpu,
        _ => IntPtr.Zero,
    };

    /// <summary>Versions that <paramref name="library"/> needs from libstdc++ and <paramref name="libStdCxx"/> does not define.</summary>
    internal static IReadOnlyList<string> MissingVersions(string library, string? libStdCxx)
    {
        if (libStdCxx is null) return [];
        var provided = File.ReadAllBytes(libStdCxx);
        return ElfVersionNeeds.Read(library)
            .Where(n => n.File.StartsWith("libstdc++", StringComparison.Ordinal) && !n.Weak)
            .Select(n => n.Version)
            .Where(v => !Contains(provided, System.Text.Encoding.ASCII.GetBytes(v + "\0")))
            .Distinct()
            .ToList();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>The weakened copy of <paramref name="source"/> in the cache, created once (content-addressed).</summary>
    internal static string WeakenedCopy(string source, IReadOnlyList<string> versions)
    {
        string hash;
        using (var stream = File.OpenRead(source))
            hash = Convert.ToHexString(SHA256.HashData(stream))[..16].ToLowerInvariant();
        var dir = Path.Combine(CacheRoot(), $"libtorchsharp-{hash}-weak");
        var dest = Path.Combine(dir, Path.GetFileName(source));
        try
        {
            if (!File.Exists(dest))
                ElfVersionNeeds.WriteWeakenedCopy(source, dest, versions.ToHashSet());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NativeBackendException(
                $"This system's libstdc++ lacks {string.Join(", ", versions)}, so VPTSurv loads a copy of {source} with that unused " +
                $"requirement marked weak, but it could not write the copy to {dir}: {e.Message} Fix: " +
                $"`export {CacheVariable}=<a writable folder>`.", e)
            { Fix = $"export {CacheVariable}=<a writable folder>" };
        }
        return dest;
    }

    internal static string CacheRoot()
    {
        var env = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "vptsurv", "native");
    }

    /// <summary>The libstdc++ this process uses (loading it if needed), or null when none is found.</summary>
    internal static string? LoadedLibStdCxx()
    {
        NativeLibrary.TryLoad("libstdc++.so.6", out _);
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int at = line.IndexOf('/');
                if (at >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal)) return line[at..].Trim();
            }
        }
        catch (IOException) { }
        return null;
    }

    private static string? FindLibrary(string file, IEnumerable<string> dirs) =>
        dirs.Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Where the runtime itself would find native libraries: the application folder (and its runtimes/RID/native), the
    /// native search directories from the application's <c>.deps.json</c>, the native folder of TorchSharp's own package
    /// layout (LibTorchSharp ships inside TorchSharp), and registered directories.
    /// </summary>
    internal static IEnumerable<string> SearchDirectories(Assembly torchAssembly)
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var portableRid = PortableRid();
        foreach (var baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(torchAssembly.Location) })
        {
            if (string.IsNullOrEmpty(baseDir)) continue;
            yield return Path.GetFullPath(baseDir);
            foreach (var r in new[] { portableRid, rid }.Distinct())
                yield return Path.GetFullPath(Path.Combine(baseDir, "runtimes", r, "native"));
        }
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string native)
            foreach (var d in native.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                yield return Path.GetFullPath(d);
        // TorchSharp loaded from its package (notebooks): .../torchsharp/<ver>/lib/net8.0/TorchSharp.dll next to
        // .../torchsharp/<ver>/runtimes/<rid>/native/ — TorchSharp's own package, not a search of the cache.
        var loc = Path.GetDirectoryName(torchAssembly.Location);
        if (!string.IsNullOrEmpty(loc))
            yield return Path.GetFullPath(Path.Combine(loc, "..", "..", "runtimes", portableRid, "native"));
        // Notebook kernels (dotnet-interactive) resolve `#r "nuget: …"` packages themselves and publish each package's
        // native folder by appending it to PATH, where their own native-library resolver looks.
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (Path.IsPathRooted(d))
                yield return Path.GetFullPath(d);
        List<string> extra;
        lock (Gate) extra = [.. ExtraDirectories];
        foreach (var d in extra)
        {
            yield return Path.GetFullPath(d);
            yield return Path.GetFullPath(Path.Combine(d, "runtimes", portableRid, "native"));
        }
    }

    private static string PortableRid()
    {
        var arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        return $"{os}-{arch}";
    }

    /// <summary>The libtorch package version TorchSharp was built against (read without running TorchSharp's static constructor).</summary>
    internal static string LibTorchPackageVersion(Assembly asm)
    {
        var field = asm.GetType("TorchSharp.torch")?.GetField("libtorchPackageVersion", BindingFlags.NonPublic | BindingFlags.Static);
        var raw = field?.GetRawConstantValue() as string ?? "2.10.0";
        var parts = raw.Split('.');
        return parts.Length == 4 && parts[3] == "0" ? string.Join('.', parts[..3]) : raw;
    }

    private sealed record NativeNames(string LibTorchSharp, string TorchCpu)
    {
        public static NativeNames ForThisOs() =>
            OperatingSystem.IsWindows() ? new("LibTorchSharp.dll", "torch_cpu.dll")
            : OperatingSystem.IsMacOS() ? new("libLibTorchSharp.dylib", "libtorch_cpu.dylib")
            : new("libLibTorchSharp.so", "libtorch_cpu.so");
    }
}
