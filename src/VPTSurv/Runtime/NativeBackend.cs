using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace VPTSurv.Runtime;

/// <summary>What <see cref="NativeBackend.EnsureLoaded"/> found and did.</summary>
/// <param name="Loaded">Whether the native backend was located and preloaded by full path.</param>
/// <param name="LibTorchSharpPath">The <c>libLibTorchSharp</c> that was loaded (the weakened copy when patched).</param>
/// <param name="LibTorchDirectory">The directory whose libtorch was preloaded.</param>
/// <param name="CompatibilityPatchApplied">Whether a weakened copy of <c>libLibTorchSharp.so</c> was needed.</param>
/// <param name="Message">A one-line account, for logs and <c>vptsurv info</c>.</param>
public sealed record NativeBackendReport(bool Loaded, string? LibTorchSharpPath, string? LibTorchDirectory, bool CompatibilityPatchApplied, string Message);

/// <summary>
/// Loads TorchSharp's native backend before TorchSharp does, so that it works on systems where it would not load by
/// itself:
/// <list type="bullet">
/// <item>TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c>, which Debian 12 and Ubuntu 22.04
/// lack; the only symbol behind it (<c>std::ios_base_library_init</c>) is never called, so a copy of the library with
/// that requirement marked weak (in a per-user cache, never the NuGet cache) loads and works.</item>
/// <item>A system libtorch (Debian's <c>python3-torch</c>) on the library path can shadow the package's; libc10,
/// libtorch_cpu and libtorch are therefore preloaded by full path.</item>
/// </list>
/// Nothing is patched where the process's libstdc++ is new enough. On Windows and macOS this does nothing.
/// </summary>
public static class NativeBackend
{
    /// <summary>Version requirements known to be safe to weaken: no symbol bound to them is ever called.</summary>
    public static readonly IReadOnlySet<string> SafeToWeaken = new HashSet<string> { "GLIBCXX_3.4.32" };

    /// <summary>Environment variable that overrides the cache folder of patched native copies.</summary>
    public const string CacheVariable = "VPTSURV_NATIVE_CACHE";

    private static readonly object Gate = new();
    private static NativeBackendReport? _report;
    private static IntPtr _libTorchSharp, _torchCpu;

    /// <summary>The outcome of the first <see cref="EnsureLoaded"/> call, or null before it.</summary>
    public static NativeBackendReport? Report => _report;

    /// <summary>Locates, if needed patches, and preloads the native backend. Idempotent and thread-safe.</summary>
    public static NativeBackendReport EnsureLoaded()
    {
        lock (Gate)
        {
            return _report ??= Load();
        }
    }

    private static NativeBackendReport Load()
    {
        if (!OperatingSystem.IsLinux())
            return new(false, null, null, false, "Not Linux: TorchSharp loads its backend itself.");
        var torchAssembly = typeof(torch).Assembly;
        var sharp = FindLibrary("libLibTorchSharp.so", TorchSharpDirectories(torchAssembly));
        var torchCpu = FindLibrary("libtorch_cpu.so", LibTorchDirectories(torchAssembly));
        if (sharp is null || torchCpu is null)
            return new(false, sharp, torchCpu is null ? null : Path.GetDirectoryName(torchCpu), false,
                "Native libtorch not found next to the application or in the NuGet cache; TorchSharp will probe by itself. " +
                "Reference the libtorch-cpu-linux-x64 (or libtorch-cuda-12.8) package from the executable.");
        var libDir = Path.GetDirectoryName(torchCpu)!;

        var missing = MissingVersions(sharp, LoadedLibStdCxx());
        string loadPath = sharp;
        bool patched = false;
        if (missing.Count > 0)
        {
            var unsafeOnes = missing.Where(v => !SafeToWeaken.Contains(v)).ToList();
            if (unsafeOnes.Count > 0)
                throw new PlatformNotSupportedException(
                    $"{sharp} needs {string.Join(", ", unsafeOnes)} from libstdc++, which this system lacks and which cannot be weakened safely. " +
                    "Use a newer Linux distribution (glibc/libstdc++ of 2023 or later).");
            loadPath = WeakenedCopy(sharp, missing);
            patched = true;
        }

        // Order matters: dependencies first, so that LibTorchSharp's DT_NEEDED entries resolve by soname to these.
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var p = Path.Combine(libDir, name);
            if (!File.Exists(p)) continue;
            var h = NativeLibrary.Load(p);
            if (name == "libtorch_cpu.so") _torchCpu = h;
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
            ? $"libstdc++ lacks {string.Join(", ", missing)}: loaded a copy of LibTorchSharp with it marked weak ({loadPath})."
            : "libstdc++ is new enough: loaded the packaged LibTorchSharp unchanged.";
        return new(true, loadPath, libDir, patched, msg);
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
        if (!File.Exists(dest))
            ElfVersionNeeds.WriteWeakenedCopy(source, dest, versions.ToHashSet());
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

    private static IEnumerable<string> NearAssembly(Assembly asm)
    {
        var dir = Path.GetDirectoryName(asm.Location);
        foreach (var d in new[] { AppContext.BaseDirectory, dir })
        {
            if (string.IsNullOrEmpty(d)) continue;
            yield return d;
            yield return Path.Combine(d, "runtimes", "linux-x64", "native");
            yield return Path.Combine(d, "cpu");
        }
    }

    private static IEnumerable<string> TorchSharpDirectories(Assembly asm)
    {
        foreach (var d in NearAssembly(asm)) yield return d;
        // Notebooks load TorchSharp.dll from the NuGet cache: .../torchsharp/<ver>/lib/net8.0/TorchSharp.dll
        var loc = Path.GetDirectoryName(asm.Location);
        if (!string.IsNullOrEmpty(loc)) yield return Path.GetFullPath(Path.Combine(loc, "..", "..", "runtimes", "linux-x64", "native"));
        var ver = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        foreach (var p in PackageRoots(asm))
            if (ver is not null) yield return Path.Combine(p, "torchsharp", ver, "runtimes", "linux-x64", "native");
    }

    private static IEnumerable<string> LibTorchDirectories(Assembly asm)
    {
        foreach (var d in NearAssembly(asm)) yield return d;
        var ver = LibTorchPackageVersion(asm);
        foreach (var p in PackageRoots(asm))
            foreach (var pkg in new[] { "libtorch-cpu-linux-x64" })
                yield return Path.Combine(p, pkg, ver, "runtimes", "linux-x64", "native");
    }

    /// <summary>The libtorch package version TorchSharp was built against (read without running TorchSharp's static constructor).</summary>
    internal static string LibTorchPackageVersion(Assembly asm)
    {
        var field = asm.GetType("TorchSharp.torch")?.GetField("libtorchPackageVersion", BindingFlags.NonPublic | BindingFlags.Static);
        var raw = field?.GetRawConstantValue() as string ?? "2.10.0";
        var parts = raw.Split('.');
        return parts.Length == 4 && parts[3] == "0" ? string.Join('.', parts[..3]) : raw;
    }

    private static IEnumerable<string> PackageRoots(Assembly asm)
    {
        var env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(env)) yield return env;
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var loc = Path.GetDirectoryName(asm.Location);
        if (!string.IsNullOrEmpty(loc)) yield return Path.GetFullPath(Path.Combine(loc, "..", "..", "..", ".."));
    }
}
