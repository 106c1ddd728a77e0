using System.Diagnostics;
using System.Text.Json.Nodes;

namespace VPTSurv.Bench;

/// <summary>
/// Runs the PyTorch twin (bench/pytorch_twin/twin.py) with Debian's /usr/bin/python3 and python3-torch, one process
/// per call, and returns its JSON. <see cref="Missing"/> says why it cannot run (no interpreter, no torch).
/// </summary>
internal static class PyTorchTwin
{
    public const string Python = "/usr/bin/python3";

    /// <summary>The repository root (the folder holding VPTSurv.sln).</summary>
    public static string RepoRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "VPTSurv.sln")))
            root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("VPTSurv.sln not found above the benchmark.");
        return root;
    }

    public static string Script => Path.Combine(RepoRoot(), "bench", "pytorch_twin", "twin.py");

    private static string? missing;
    private static bool checkedOnce;

    /// <summary>Null when the twin can run; otherwise the reason (with the install command).</summary>
    public static string? Missing()
    {
        if (checkedOnce) return missing;
        checkedOnce = true;
        if (!File.Exists(Python))
            return missing = $"{Python} not found; install Debian's PyTorch: apt-get install python3-torch libopenblas0-pthread";
        var (code, stdout, stderr) = Exec(["-c", "import torch; print(torch.__version__)"], 1);
        if (code != 0)
            return missing = $"{Python} has no torch ({stderr.Trim().Split('\n').LastOrDefault()}); install: apt-get install python3-torch libopenblas0-pthread";
        return missing = null;
    }

    /// <summary>
    /// Whether the twin runs with the C allocator thresholds our side sets (VPTSURV_TVP_TWIN_MALLOC=tuned); by default it
    /// runs as plain PyTorch does.
    /// </summary>
    public static bool TunedAllocator =>
        string.Equals(Environment.GetEnvironmentVariable("VPTSURV_TVP_TWIN_MALLOC"), "tuned", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs twin.py with <paramref name="config"/> on <paramref name="threads"/> threads and returns its JSON.</summary>
    public static JsonObject Run(JsonObject config, int threads)
    {
        config["threads"] = threads;
        var (code, stdout, stderr) = Exec([Script, config.ToJsonString()], threads);
        if (code != 0)
            throw new InvalidOperationException($"twin.py exited {code}: {stderr.Trim().Split('\n').LastOrDefault()}");
        return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!.AsObject();
    }

    private static (int Code, string Stdout, string Stderr) Exec(IEnumerable<string> args, int threads)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString();
        psi.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString();
        if (TunedAllocator)
        {
            // The same glibc thresholds our side sets with NativeAllocator.Configure, through glibc's environment variables.
            psi.Environment["MALLOC_MMAP_THRESHOLD_"] = VPTSurv.Runtime.NativeAllocator.DefaultMmapThreshold.ToString();
            psi.Environment["MALLOC_TRIM_THRESHOLD_"] = VPTSurv.Runtime.NativeAllocator.DefaultTrimThreshold.ToString();
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}
