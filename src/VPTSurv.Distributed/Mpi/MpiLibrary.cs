using System.Reflection;
using System.Runtime.InteropServices;

namespace VPTSurv.Distributed.Mpi;

/// <summary>
/// Opens Open MPI's library once per process, on first use of <see cref="MpiWorld"/> (never in single-process runs), and
/// resolves the handles the calls take. <c>VPTSURV_LIBMPI</c> names another file (a cluster's module-loaded Open MPI).
/// </summary>
internal static class MpiLibrary
{
    /// <summary>Environment variable that names the MPI library file to load instead of the defaults.</summary>
    internal const string PathVariable = "VPTSURV_LIBMPI";

    /// <summary>The library names tried in order when <see cref="PathVariable"/> is not set.</summary>
    internal static readonly string[] DefaultNames = ["libmpi.so.40", "libmpi.so"];

    private static readonly Lock Gate = new();
    private static nint _handle;

    /// <summary>The loaded library (loaded on first call).</summary>
    internal static nint Handle
    {
        get
        {
            lock (Gate)
            {
                if (_handle != 0) return _handle;
                var custom = Environment.GetEnvironmentVariable(PathVariable);
                _handle = Open(string.IsNullOrEmpty(custom) ? DefaultNames : [custom]);
                NativeLibrary.SetDllImportResolver(typeof(MpiLibrary).Assembly, Resolve);
                return _handle;
            }
        }
    }

    /// <summary>
    /// Opens the first of <paramref name="names"/> that loads, with its symbols global; throws
    /// <see cref="MpiUnavailableException"/> naming every file tried and why, when none does or it is not Open MPI.
    /// </summary>
    internal static nint Open(IReadOnlyList<string> names)
    {
        var errors = new List<string>();
        foreach (var name in names)
        {
            nint h;
            try { h = Dl.Open(name, Dl.RtldNow | Dl.RtldGlobal); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                h = 0;
                errors.Add($"{name}: {e.Message}");
                continue;
            }
            if (h == 0)
            {
                errors.Add($"{name}: {Dl.LastError()}");
                continue;
            }
            if (!NativeLibrary.TryGetExport(h, "ompi_mpi_comm_world", out _))
            {
                errors.Add($"{name}: loaded, but it is not Open MPI (no ompi_mpi_comm_world; MPICH and Intel MPI are not supported)");
                continue;
            }
            return h;
        }
        throw new MpiUnavailableException(
            $"MPI was requested (the process runs under mpirun or srun) but no Open MPI library could be loaded: {string.Join("; ", errors)}. " +
            $"Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), or set {PathVariable} to the path of libmpi.so.40.");
    }

    /// <summary>The address of an exported Open MPI object, which is its handle (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>).</summary>
    internal static nint Export(string name) =>
        NativeLibrary.TryGetExport(Handle, name, out var address) ? address
        : throw new MpiUnavailableException($"The MPI library has no export '{name}'; it is not Open MPI 4 or 5.");

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name == MpiNative.Library ? Handle : 0;
}
