using System.Runtime.CompilerServices;

namespace VPTSurv.Runtime;

internal static class ModuleInit
{
    // The backend must be in place before TorchSharp's static constructor probes for it; every use of this library
    // passes through here first. Applications that call TorchSharp before touching VPTSurv call NativeBackend.EnsureLoaded().
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Init() => NativeBackend.EnsureLoaded();
#pragma warning restore CA2255
}
