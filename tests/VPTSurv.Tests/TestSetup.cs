using System.Runtime.CompilerServices;
using VPTSurv.Runtime;

namespace VPTSurv.Tests;

internal static class TestSetup
{
    // Tests may call TorchSharp before any VPTSurv type; load the backend the way the library does.
    [ModuleInitializer]
    internal static void Init() => NativeBackend.EnsureLoaded();

    /// <summary>Path of a committed fixture file, copied next to the test assembly.</summary>
    public static string Fixture(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);
}
