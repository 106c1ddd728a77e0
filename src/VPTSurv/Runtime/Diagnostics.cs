using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace VPTSurv.Runtime;

/// <summary>What the runtime looks like: versions, threads, devices and the native-backend compatibility step.</summary>
/// <param name="VptSurvVersion">This library's version.</param>
/// <param name="TorchSharpVersion">The TorchSharp assembly's informational version.</param>
/// <param name="LibTorchVersion">The libtorch version TorchSharp reports.</param>
/// <param name="DotNetVersion">The .NET runtime description.</param>
/// <param name="Os">The operating system description.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="CudaAvailable">Whether CUDA can be used.</param>
/// <param name="CudaDeviceCount">Number of CUDA devices (0 without CUDA).</param>
/// <param name="ChosenDevice">The device <see cref="Devices.Choose"/> picks automatically.</param>
/// <param name="Backend">The native backend loader's report.</param>
public sealed record RuntimeDiagnostics(
    string VptSurvVersion, string TorchSharpVersion, string LibTorchVersion, string DotNetVersion, string Os,
    int Threads, bool CudaAvailable, int CudaDeviceCount, string ChosenDevice, NativeBackendReport Backend)
{
    /// <summary>Name/value rows, in display order.</summary>
    public IEnumerable<(string Name, string Value)> Rows()
    {
        yield return ("VPTSurv", VptSurvVersion);
        yield return ("TorchSharp", TorchSharpVersion);
        yield return ("libtorch", LibTorchVersion);
        yield return (".NET", DotNetVersion);
        yield return ("OS", Os);
        yield return ("threads", Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("CUDA available", CudaAvailable ? "yes" : "no");
        yield return ("CUDA devices", CudaDeviceCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("chosen device", ChosenDevice);
        yield return ("compatibility patch", Backend.CompatibilityPatchApplied ? "applied" : "not needed");
        yield return ("backend", Backend.Message);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(Environment.NewLine, Rows().Select(r => $"{r.Name,-20} {r.Value}"));
}

/// <summary>Collects <see cref="RuntimeDiagnostics"/>.</summary>
public static class Diagnostics
{
    /// <summary>Loads the backend if needed and describes the runtime.</summary>
    public static RuntimeDiagnostics Collect()
    {
        var backend = NativeBackend.EnsureLoaded();
        static string Informational(Assembly a) =>
            a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "?";
        bool cuda = torch.cuda.is_available();
        return new RuntimeDiagnostics(
            Informational(typeof(Diagnostics).Assembly),
            Informational(typeof(torch).Assembly),
            torch.__version__,
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            torch.get_num_threads(),
            cuda,
            cuda ? torch.cuda.device_count() : 0,
            Devices.Choose().ToString(),
            backend);
    }
}
