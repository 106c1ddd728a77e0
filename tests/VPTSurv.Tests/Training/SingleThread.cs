using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// Runs libtorch on one intra-op thread for the duration of a test: the training tests' ops are tiny, and on a
/// loaded 2-core machine two OpenMP threads spin-wait on each other (measured 10x slower). Restores the count.
/// </summary>
internal sealed class SingleThread : IDisposable
{
    private readonly int _before = get_num_threads();

    public SingleThread() => set_num_threads(1);

    public void Dispose() => set_num_threads(_before);
}
