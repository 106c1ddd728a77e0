using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>Machine peak reference: fp32 GEMM GFLOP/s, for "fraction of peak" figures measured in the same run.</summary>
internal static class GemmBench
{
    /// <summary>Best-of-5 GFLOP/s of an n x n fp32 matrix product.</summary>
    public static double Gflops(int n = 1024)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        matmul(a, b); // warm-up
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = matmul(a, b);
            sw.Stop();
            best = Math.Max(best, 2.0 * n * n * n / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    [Benchmark("gemm")]
    public static JsonNode Run() => new JsonObject { ["n"] = 1024, ["fp32_gflops"] = Math.Round(Gflops(), 1) };
}
