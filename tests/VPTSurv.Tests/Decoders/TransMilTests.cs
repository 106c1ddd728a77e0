using TorchSharp;
using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

public class TransMilTests
{
    private static double Error(long landmarks, int iterations)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(21);
        long n = 64, d = 16;
        // self-attention of tokens drawn around a few centres: peaked, well-conditioned attention as in trained models
        var centres = torch.randn(2, 8, d, generator: g, dtype: ScalarType.Float64) * 2;
        var x = centres.repeat_interleave(n / 8, 1) + 0.3 * torch.randn(2, n, d, generator: g, dtype: ScalarType.Float64);
        var q = x * Math.Pow(d, -0.5);
        var k = x;
        var v = torch.randn(2, n, d, generator: g, dtype: ScalarType.Float64);
        var exact = q.matmul(k.transpose(-1, -2)).softmax(-1).matmul(v);
        var approx = NystromAttention.Approximate(q, k, v, landmarks, iterations);
        return ((approx - exact).norm() / exact.norm()).item<double>();
    }

    [Fact]
    public void Nystrom_attention_approaches_exact_softmax_attention_as_landmarks_approach_N()
    {
        var errors = new[] { 4L, 16, 32, 64 }.Select(m => Error(m, 30)).ToArray();
        for (int i = 1; i < errors.Length; i++)
            Assert.True(errors[i] < errors[i - 1], $"error did not fall from m = {i} to {i + 1}: {string.Join(", ", errors)}");
        Assert.True(errors[^1] < 1e-6, $"with m = N the approximation should be exact; relative error {errors[^1]:E2}");
        Assert.True(errors[0] > 1e-2, $"with m = 4 the approximation should be visibly inexact; relative error {errors[0]:E2}");
    }

    [Fact]
    public void Pseudo_inverse_iteration_converges_to_the_inverse_of_a_softmax_matrix()
    {
        using var scope = NewDisposeScope();
        var a = (torch.randn(8, 8, generator: new Generator(2), dtype: ScalarType.Float64) * 0.5).softmax(-1);
        var z = NystromAttention.PseudoInverse(a, 40);
        Assert.True(torch.allclose(z, torch.linalg.inv(a), rtol: 1e-6, atol: 1e-8));
    }

    [Fact]
    public void Module_pads_any_length_and_returns_one_token_per_input()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        var attn = new NystromAttention(32, 8, 4, landmarks: 16, pinvIterations: 6, residualKernel: 9, dropout: 0);
        foreach (var n in new long[] { 1, 15, 16, 33 })
            Assert.Equal(new long[] { 1, n, 32 }, attn.forward(torch.randn(1, n, 32)).shape);
    }
}
