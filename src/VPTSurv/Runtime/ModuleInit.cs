using System.Runtime.CompilerServices;

namespace VPTSurv.Runtime;

internal static class ModuleInit
{
    // The backend must be in place before TorchSharp's static constructor probes for it, and every use of this library
    // passes through here first. It must never throw (a module initialiser's exception makes every type of the assembly
    // unusable), so a missing backend is only recorded here; NativeBackend.EnsureLoaded() throws it where it is called.
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Init() => NativeBackend.TryLoadQuietly();
#pragma warning restore CA2255
}
