using VPTSurv.Runtime;
using Xunit;

namespace VPTSurv.Tests.Runtime;

public class NativeAllocatorTests
{
    [Fact]
    public void On_linux_glibc_accepts_both_thresholds()
    {
        // The effect on page faults is measured where it happens, on a process's main thread (bench training-vs-pytorch
        // reports each side's minor faults); a test thread allocates from a per-thread arena that glibc unmaps when empty.
        Assert.True(OperatingSystem.IsLinux(), "the allocator settings are for Linux with glibc");
        var report = NativeAllocator.Configure(environment: _ => null);
        Assert.True(report.Applied, report.Message);
        Assert.Equal(NativeAllocator.DefaultMmapThreshold, report.MmapThresholdBytes);
        Assert.Equal(NativeAllocator.DefaultTrimThreshold, report.TrimThresholdBytes);
    }

    [Theory]
    [InlineData("VPTSURV_MALLOC", "system", "VPTSURV_MALLOC=system")]
    [InlineData("MALLOC_ARENA_MAX", "2", "MALLOC_ARENA_MAX is set")]
    [InlineData("MALLOC_MMAP_THRESHOLD_", "131072", "MALLOC_MMAP_THRESHOLD_ is set")]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0", "GLIBC_TUNABLES sets glibc.malloc")]
    public void An_opt_out_or_the_users_own_malloc_settings_leave_the_allocator_alone(string variable, string value, string reason)
    {
        var report = NativeAllocator.Configure(environment: name => name == variable ? value : null);
        Assert.False(report.Applied);
        Assert.Contains(reason, report.Message);
    }
}
