using TorchSharp;

namespace VPTSurv.Runtime;

/// <summary>Run-time device choice: CUDA when a CUDA backend is referenced and a GPU is present, else CPU.</summary>
public static class Devices
{
    /// <summary>
    /// Whether <paramref name="tensor"/> (null counts as yes) is on <paramref name="device"/>; a device without an index
    /// ("cuda") matches any index of its type.
    /// </summary>
    public static bool IsOn(torch.Tensor? tensor, torch.Device device) =>
        tensor is null || (tensor.device_type == device.type && (device.index < 0 || tensor.device_index == device.index));

    /// <summary>
    /// The device request of one rank of a data-parallel run: <c>cuda:{localRank}</c> when CUDA is asked for ("cuda" or
    /// "auto") and <paramref name="cudaAvailable"/>, so each rank of a node takes its own GPU; any other request (cpu, a
    /// numbered cuda:N, auto without CUDA) as it is.
    /// </summary>
    public static string ForRank(string requested, int localRank, bool cudaAvailable)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentOutOfRangeException.ThrowIfNegative(localRank);
        var want = requested.Trim().ToLowerInvariant();
        return want is "auto" or "cuda" && cudaAvailable ? $"cuda:{localRank}" : requested;
    }

    /// <summary>
    /// Chooses a device. <paramref name="requested"/> may be null or "auto" (CUDA when available, else CPU), "cpu",
    /// "cuda" or "cuda:N"; asking for CUDA where none is available is an error, not a silent fallback.
    /// </summary>
    /// <param name="requested">The user's choice, or null for automatic.</param>
    /// <param name="log">Receives one line saying which device was chosen and why.</param>
    public static torch.Device Choose(string? requested = null, Action<string>? log = null)
    {
        NativeBackend.EnsureLoaded();
        var want = (requested ?? "auto").Trim().ToLowerInvariant();
        bool cuda = torch.cuda.is_available();
        torch.Device device;
        string why;
        if (want == "auto")
        {
            device = cuda ? torch.CUDA : torch.CPU;
            why = cuda ? $"CUDA is available ({torch.cuda.device_count()} device(s))" : "no CUDA device or CUDA backend; using CPU";
        }
        else if (want == "cpu")
        {
            device = torch.CPU;
            why = "requested";
        }
        else if (want.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda)
                throw new InvalidOperationException(
                    $"Device '{requested}' was requested but CUDA is not available: on a machine with an NVIDIA GPU and driver, reference a CUDA backend " +
                    "(TorchSharp-cuda-linux or TorchSharp-cuda-windows in your project; -p:TorchBackend=cuda for this repository's executables).");
            device = new torch.Device(want);
            why = "requested";
        }
        else
        {
            throw new ArgumentException($"Unknown device '{requested}': expected auto, cpu, cuda or cuda:N.", nameof(requested));
        }
        log?.Invoke($"device: {device} ({why})");
        return device;
    }
}
