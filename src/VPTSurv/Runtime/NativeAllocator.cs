using System.Runtime.InteropServices;

namespace VPTSurv.Runtime;

/// <summary>What <see cref="NativeAllocator.Configure"/> did.</summary>
/// <param name="Applied">Whether the thresholds were set.</param>
/// <param name="MmapThresholdBytes">Blocks from this size up are mapped and unmapped on their own (when applied).</param>
/// <param name="TrimThresholdBytes">Free memory at the top of the heap kept before it is given back (when applied).</param>
/// <param name="Message">One line for logs: what was set, or why nothing was.</param>
public sealed record NativeAllocatorReport(bool Applied, long MmapThresholdBytes, long TrimThresholdBytes, string Message);

/// <summary>
/// Keeps libtorch's tensor buffers in the C heap between training steps instead of returning them to the kernel, on
/// Linux with glibc. libtorch's CPU tensors come from <c>malloc</c>. glibc maps every block above its mmap threshold (at
/// most 32 MB, adjusted on the fly) on its own and unmaps it on free, and gives the top of the heap back once more than
/// twice that is free, so a step that allocates and frees the same few hundred MB of activations every time faults
/// every page in again: on the Cpu preset about half the step's minor page faults and a quarter of its time in the
/// kernel (bench <c>training-vs-pytorch</c>; the PyTorch twin behaves the same under the same glibc). Raising both
/// thresholds (<c>mallopt</c>) lets the freed blocks be reused; peak RSS stays the same, resident memory stays near
/// its peak between steps.
/// <para>
/// This works for tensors allocated on the process's main thread (glibc's main heap), where the <c>vptsurv</c> tool and
/// a console program's <c>Main</c> train. Other threads allocate from per-thread arenas whose heaps hold at most
/// 64 MB and are unmapped when empty whatever the thresholds, so a notebook kernel, which runs cells on worker threads,
/// gains little.
/// </para>
/// <para>
/// A process-wide setting, so the library never makes it on its own: the <c>vptsurv</c> tool calls
/// <see cref="Configure"/> at start; call it first thing in your own program for the same effect. It
/// does nothing where the environment already sets glibc's malloc (<c>MALLOC_*_</c> variables or
/// <c>GLIBC_TUNABLES</c> with <c>glibc.malloc</c>), when <c>VPTSURV_MALLOC=system</c>, or without glibc.
/// </para>
/// </summary>
public static class NativeAllocator
{
    /// <summary>Set to <c>system</c> to leave the C allocator as it is.</summary>
    public const string Variable = "VPTSURV_MALLOC";

    /// <summary>Default mmap threshold: 256 MB (larger than one activation tensor of the presets' steps).</summary>
    public const long DefaultMmapThreshold = 256L << 20;

    /// <summary>Default trim threshold: 1 GB.</summary>
    public const long DefaultTrimThreshold = 1L << 30;

    private const int MTrimThreshold = -1, MMmapThreshold = -3; // <malloc.h>

    private static readonly string[] GlibcVariables =
        ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX"];

    private delegate int MalloptFn(int param, int value);

    /// <summary>The outcome of the last call, or null before the first.</summary>
    public static NativeAllocatorReport? Report { get; private set; }

    /// <summary>
    /// Sets glibc's mmap and trim thresholds (once per process: later calls without <paramref name="environment"/> return
    /// the report of the call that set them). Never throws.
    /// </summary>
    /// <param name="mmapThreshold">Blocks from this size up are mapped on their own.</param>
    /// <param name="trimThreshold">Free heap top kept before giving memory back.</param>
    /// <param name="environment">Reads an environment variable (default: the process's; for tests).</param>
    public static NativeAllocatorReport Configure(long mmapThreshold = DefaultMmapThreshold, long trimThreshold = DefaultTrimThreshold,
        Func<string, string?>? environment = null)
    {
        if (environment is null && Report is { Applied: true } done) return done;
        environment ??= Environment.GetEnvironmentVariable;
        return Report = Decide(mmapThreshold, trimThreshold, environment);
    }

    private static NativeAllocatorReport Decide(long mmap, long trim, Func<string, string?> env)
    {
        NativeAllocatorReport Skip(string why) => new(false, 0, 0, $"C allocator left as it is: {why}");
        if (mmap is <= 0 or > int.MaxValue || trim is <= 0 or > int.MaxValue)
            return Skip($"thresholds must be in 1..{int.MaxValue} bytes (got mmap {mmap}, trim {trim})");
        if (string.Equals(env(Variable), "system", StringComparison.OrdinalIgnoreCase))
            return Skip($"{Variable}=system");
        if (GlibcVariables.FirstOrDefault(v => env(v) is not null) is { } set)
            return Skip($"{set} is set in the environment");
        if (env("GLIBC_TUNABLES") is { } tunables && tunables.Contains("glibc.malloc", StringComparison.Ordinal))
            return Skip("GLIBC_TUNABLES sets glibc.malloc");
        if (!OperatingSystem.IsLinux())
            return Skip("not Linux");
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "mallopt", out var export))
            return Skip("no glibc mallopt (libc.so.6) in this process");
        var mallopt = Marshal.GetDelegateForFunctionPointer<MalloptFn>(export);
        // The mmap threshold first: setting either turns off glibc's sliding threshold, and the trim threshold alone
        // would leave every block above 128 KB mapped on its own.
        if (mallopt(MMmapThreshold, (int)mmap) != 1)
            return Skip($"mallopt refused an mmap threshold of {mmap} bytes");
        if (mallopt(MTrimThreshold, (int)trim) != 1)
            return new(false, mmap, 0, $"C allocator: mmap threshold {mmap >> 20} MB set, but mallopt refused a trim threshold of {trim} bytes");
        return new(true, mmap, trim, $"C allocator: glibc mmap threshold {mmap >> 20} MB, trim threshold {trim >> 20} MB ({Variable}=system to leave it)");
    }
}
