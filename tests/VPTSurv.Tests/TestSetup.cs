using System.Runtime.CompilerServices;
using VPTSurv.Runtime;

namespace VPTSurv.Tests;

internal static class TestSetup
{
    // Tests may call TorchSharp before any VPTSurv type; load the backend the way the library does. Then one libtorch
    // intra-op thread for the whole run, set once: xunit already runs one test class per core, the tensors are tiny (two
    // OpenMP threads per test spin-wait on each other on a shared 2-core machine, measured 10x slower), and changing the
    // thread count while other tests are inside libtorch ops crashed Adam.step natively.
    [ModuleInitializer]
    internal static void Init()
    {
        NativeBackend.EnsureLoaded();
        TorchSharp.torch.set_num_threads(1);
    }

    /// <summary>Path of a committed fixture file, copied next to the test assembly.</summary>
    public static string Fixture(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);
}
