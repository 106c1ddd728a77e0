using System.Diagnostics;
using System.Text.Json.Nodes;

namespace VPTSurv.Bench;

/// <summary>
/// Runs one benchmark in a fresh child process of this program, so that its peak RSS (VmHWM) is its own and does not
/// mix with the configurations measured before it.
/// </summary>
internal static class ChildBenchmark
{
    /// <summary>
    /// Runs benchmark <paramref name="name"/> in a child with <paramref name="environment"/> set and returns its JSON
    /// result, or an object with <paramref name="onError"/>'s fields and an <c>error</c> naming the exit code and the
    /// child's last line on stderr.
    /// </summary>
    public static JsonNode Run(string name, IReadOnlyDictionary<string, string> environment, JsonObject onError)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        var dll = typeof(ChildBenchmark).Assembly.Location;
        // Under `dotnet VPTSurv.Bench.dll` the process is dotnet itself: pass the assembly first.
        if (!Environment.ProcessPath!.EndsWith(Path.GetFileNameWithoutExtension(dll), StringComparison.Ordinal)) psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add(name);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            onError["error"] = $"child exited {p.ExitCode}: {stderr.Result.Split('\n').LastOrDefault(l => l.Length > 0)}";
            return onError;
        }
        return JsonNode.Parse(stdout)![name]!.DeepClone();
    }
}
