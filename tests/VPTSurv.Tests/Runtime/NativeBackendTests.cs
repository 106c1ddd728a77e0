using TorchSharp;
using VPTSurv.Runtime;
using Xunit;

namespace VPTSurv.Tests.Runtime;

public class NativeBackendTests
{
    private static string PackagedLibTorchSharp()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the packaged LibTorchSharp at {path}");
        return path;
    }

    [Fact]
    public void Backend_loads_and_computes()
    {
        var report = NativeBackend.EnsureLoaded();
        Assert.True(report.Loaded, report.Message);
        using var t = torch.arange(4, dtype: torch.float32);
        Assert.Equal(6f, t.sum().item<float>());
    }

    [Fact]
    public void Libtorch_is_found_next_to_the_application_and_the_NuGet_cache_is_not_searched()
    {
        // The test host gets libtorch the way every application does: its .deps.json copies the backend package's
        // native files into bin/runtimes/<rid>/native. The loader must find them there, and no search directory may be
        // a package folder of the NuGet cache other than TorchSharp's own (which ships LibTorchSharp).
        var report = NativeBackend.EnsureLoaded();
        Assert.StartsWith(Path.GetFullPath(AppContext.BaseDirectory), report.LibTorchDirectory);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env
            ? env : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var searched = NativeBackend.SearchDirectories(typeof(torch).Assembly).ToList();
        Assert.DoesNotContain(searched, d => d.StartsWith(Path.GetFullPath(cache), StringComparison.Ordinal)
            && !d.Contains($"{Path.DirectorySeparatorChar}torchsharp{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
    }

    [Fact]
    public void Libvips_is_available_here_and_its_absence_would_name_both_fixes()
    {
        VPTSurv.Slides.VipsImaging.EnsureAvailable();
        var message = VPTSurv.Slides.VipsImaging.MissingLibvipsMessage("Unable to load shared library 'libvips.so.42'");
        Assert.Contains("sudo apt-get install libvips42", message);
        Assert.Contains("dotnet add package NetVips.Native.linux-x64", message);
        Assert.Contains("libvips.so.42", message);
    }

    [Fact]
    public void Patch_is_applied_exactly_when_the_system_libstdcxx_lacks_the_version()
    {
        var report = NativeBackend.EnsureLoaded();
        var libstdcxx = NativeBackend.LoadedLibStdCxx();
        Assert.NotNull(libstdcxx);
        bool systemHasIt = File.ReadAllText(libstdcxx!).Contains("GLIBCXX_3.4.32\0", StringComparison.Ordinal);
        Assert.Equal(!systemHasIt, report.CompatibilityPatchApplied);
        Assert.Equal(systemHasIt ? [] : new[] { "GLIBCXX_3.4.32" }, NativeBackend.MissingVersions(PackagedLibTorchSharp(), libstdcxx));
    }

    [Fact]
    public void Weakened_copy_marks_only_the_named_version_and_leaves_the_source_untouched()
    {
        var source = PackagedLibTorchSharp();
        var before = File.ReadAllBytes(source);
        var dir = Directory.CreateTempSubdirectory("vptsurv-elf-");
        try
        {
            var dest = Path.Combine(dir.FullName, "libLibTorchSharp.so");
            var changed = ElfVersionNeeds.WriteWeakenedCopy(source, dest, new HashSet<string> { "GLIBCXX_3.4.32" });
            Assert.Equal(["GLIBCXX_3.4.32"], changed.Select(c => c.Version));
            Assert.Equal(before, File.ReadAllBytes(source));

            var orig = ElfVersionNeeds.Read(source);
            var copy = ElfVersionNeeds.Read(dest);
            Assert.Equal(orig.Count, copy.Count);
            for (int i = 0; i < orig.Count; i++)
            {
                Assert.Equal(orig[i].Version, copy[i].Version);
                Assert.Equal(orig[i].Version == "GLIBCXX_3.4.32" || orig[i].Weak, copy[i].Weak);
            }
            // Exactly two bytes may differ: one vna_flags field.
            var after = File.ReadAllBytes(dest);
            Assert.Equal(before.Length, after.Length);
            Assert.InRange(before.Zip(after).Count(p => p.First != p.Second), 1, 2);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Version_needs_match_readelf_on_the_packaged_library()
    {
        // readelf -V on libLibTorchSharp.so 0.107.0 lists these libstdc++ requirements (hand-checked).
        var needs = ElfVersionNeeds.Read(PackagedLibTorchSharp());
        var cxx = needs.Where(n => n.File == "libstdc++.so.6").Select(n => n.Version).ToHashSet();
        Assert.Contains("GLIBCXX_3.4.32", cxx);
        Assert.Contains("CXXABI_1.3", cxx);
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Version == "GLIBC_2.34");
    }

    [Fact]
    public void Rejects_a_file_that_is_not_elf()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a library");
            var ex = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(path));
            Assert.Contains(path, ex.Message);
        }
        finally { File.Delete(path); }
    }
}

public class DiagnosticsTests
{
    [Fact]
    public void Diagnostics_report_versions_threads_and_device()
    {
        var d = Diagnostics.Collect();
        Assert.StartsWith("0.107", d.TorchSharpVersion);
        Assert.StartsWith("2.10", d.LibTorchVersion);
        Assert.True(d.Threads >= 1);
        Assert.Equal(d.CudaAvailable ? "cuda" : "cpu", d.ChosenDevice.Split(':')[0]);
        Assert.Contains(d.Rows(), r => r.Name == "compatibility patch");
    }

    [Fact]
    public void Asking_for_cuda_without_it_is_an_error_and_unknown_devices_are_rejected()
    {
        if (!torch.cuda.is_available())
            Assert.Throws<InvalidOperationException>(() => Devices.Choose("cuda"));
        var ex = Assert.Throws<ArgumentException>(() => Devices.Choose("tpu"));
        Assert.Contains("tpu", ex.Message);
        Assert.Equal(DeviceType.CPU, Devices.Choose("cpu").type);
    }
}
