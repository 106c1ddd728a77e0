using System.Diagnostics;
using Xunit;

namespace VPTSurv.Tests.Distributed;

/// <summary>The built `vptsurv` tool (VPTSurv.Cli beside the tests) as a real process, alone or under mpirun.</summary>
internal static class CliProcess
{
    /// <summary>The tool's apphost, copied beside the tests by the project reference.</summary>
    public static string Tool => Path.Combine(AppContext.BaseDirectory, "VPTSurv.Cli");

    /// <summary>mpirun on PATH, or null.</summary>
    public static string? MpiRun { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Starts the tool with <paramref name="args"/> (one thread, output collected as it comes).</summary>
    public static Running Start(IEnumerable<string> args) => Launch(Tool, args);

    /// <summary>Starts <c>mpirun -np <paramref name="ranks"/></c> of the tool (root and oversubscription allowed, as on a 2-core CI box).</summary>
    public static Running StartMpi(int ranks, IEnumerable<string> args) =>
        Launch(MpiRun ?? throw new InvalidOperationException("mpirun is not installed"),
            ["-np", ranks.ToString(), "--oversubscribe", "--allow-run-as-root", "-x", "OMP_NUM_THREADS", Tool, .. args]);

    /// <summary>Runs to the end (at most <paramref name="timeout"/>); asserts exit code 0 and returns stdout.</summary>
    public static string Run(Running r, TimeSpan timeout)
    {
        var p = r.Process;
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{p.StartInfo.FileName} did not finish within {timeout}: {r.Output}");
        }
        p.WaitForExit(); // the end of the output too
        Assert.True(p.ExitCode == 0, $"{p.StartInfo.FileName} {string.Join(' ', p.StartInfo.ArgumentList)} exited {p.ExitCode}:\n{r.Output}");
        return r.Output;
    }

    private static Running Launch(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["NO_COLOR"] = "1";
        var p = Process.Start(psi)!;
        var running = new Running(p, new System.Text.StringBuilder());
        p.OutputDataReceived += (_, e) => { lock (running.Text) running.Text.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (running.Text) running.Text.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return running;
    }

    /// <summary>A started process and its output (stdout and stderr interleaved), read as it comes so pipes never fill.</summary>
    public sealed record Running(Process Process, System.Text.StringBuilder Text)
    {
        /// <summary>What it printed so far.</summary>
        public string Output
        {
            get { lock (Text) return Text.ToString(); }
        }
    }
}

/// <summary>A fact that needs mpirun: skipped, saying so, where Open MPI is not installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (CliProcess.MpiRun is null) Skip = "mpirun is not installed here (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; .ci/run installs it).";
    }
}

/// <summary>A theory that runs only where mpirun is installed (as <see cref="MpiFactAttribute"/>).</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute()
    {
        if (CliProcess.MpiRun is null) Skip = "mpirun is not installed here (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; .ci/run installs it).";
    }
}
