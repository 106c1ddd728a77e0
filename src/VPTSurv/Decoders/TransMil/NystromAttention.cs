using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// Nyström self-attention (Xiong et al., AAAI 2021) as used by TransMIL (lucidrains/nystrom-attention,
/// <c>nystrom_attention/nystrom_attention.py</c>): the sequence is zero-padded at the front to a multiple of m,
/// landmarks are means of m consecutive segments of queries and keys, and
/// softmax(Q K^T) V ≈ softmax(Q K̃^T) · pinv(softmax(Q̃ K̃^T)) · softmax(Q̃ K^T) V, with the pseudo-inverse from an
/// iterative (Razavi et al.) scheme. A depthwise convolution over the sequence of values is added as a residual.
/// Keys: <c>to_qkv</c> (no bias), <c>to_out.0</c>, <c>res_conv</c>.
/// </summary>
public sealed class NystromAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear to_qkv;
    private readonly Sequential to_out;
    private readonly Conv2d? res_conv;
    private readonly int _heads, _landmarks, _iterations;
    private readonly double _scale;

    /// <summary>Creates the attention for tokens of width <paramref name="dim"/>.</summary>
    /// <param name="dim">Token width.</param>
    /// <param name="headDim">Width per head.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="landmarks">Number of landmarks m.</param>
    /// <param name="pinvIterations">Iterations of the pseudo-inverse.</param>
    /// <param name="residualKernel">Kernel length of the residual depthwise convolution; 0 disables it.</param>
    /// <param name="dropout">Dropout after the output projection.</param>
    public NystromAttention(int dim, int headDim, int heads, int landmarks, int pinvIterations, int residualKernel, double dropout)
        : base(nameof(NystromAttention))
    {
        if (landmarks < 1) throw new ArgumentOutOfRangeException(nameof(landmarks), landmarks, "need at least one landmark");
        _heads = heads;
        _landmarks = landmarks;
        _iterations = pinvIterations;
        _scale = Math.Pow(headDim, -0.5);
        int inner = heads * headDim;
        to_qkv = nn.Linear(dim, inner * 3, hasBias: false);
        to_out = nn.Sequential(nn.Linear(inner, dim), new StreamDropout(dropout));
        if (residualKernel > 0)
            res_conv = nn.Conv2d(heads, heads, (residualKernel, 1), padding: (residualKernel / 2, 0), groups: heads, bias: false);
        RegisterComponents();
    }

    /// <summary>(B, n, dim) -> (B, n, dim).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        long m = _landmarks;
        long remainder = n % m;
        if (remainder > 0)
            x = nn.functional.pad(x, [0, 0, m - remainder, 0]);                     // (B, n', dim), zeros in front
        long np = x.shape[1];
        var qkv = to_qkv.forward(x).chunk(3, -1);
        var (q, k, v) = (SplitHeads(qkv[0]), SplitHeads(qkv[1]), SplitHeads(qkv[2])); // (B, h, n', d)
        var output = Approximate(q * _scale, k, v, _landmarks, _iterations);         // (B, h, n', d)
        if (res_conv is not null) output = output + res_conv.forward(v);
        output = output.permute(0, 2, 1, 3).reshape(b, np, -1);                      // (B, n', h d)
        output = to_out.forward(output);
        return output[.., ^(int)n.., ..].MoveToOuterDisposeScope();                              // drop the front padding
    }

    private Tensor SplitHeads(Tensor t) =>
        t.reshape(t.shape[0], t.shape[1], _heads, -1).permute(0, 2, 1, 3);         // (B, h, n', d)

    /// <summary>
    /// The Nyström approximation of softmax(q k^T) v for already scaled queries. The sequence length n must be a
    /// multiple of <paramref name="landmarks"/>; landmark j is the mean of the j-th run of n/m consecutive tokens.
    /// With m = n the landmarks are the tokens and the result converges to exact attention as iterations grow.
    /// </summary>
    /// <param name="q">Scaled queries (..., n, d).</param>
    /// <param name="k">Keys (..., n, d).</param>
    /// <param name="v">Values (..., n, d).</param>
    /// <param name="landmarks">m, dividing n.</param>
    /// <param name="iterations">Pseudo-inverse iterations.</param>
    public static Tensor Approximate(Tensor q, Tensor k, Tensor v, long landmarks, int iterations)
    {
        long n = q.shape[^2], d = q.shape[^1];
        if (n % landmarks != 0)
            throw new ArgumentException($"sequence length {n} is not a multiple of the {landmarks} landmarks");
        using var scope = NewDisposeScope();
        long l = n / landmarks;
        long[] lm = [.. q.shape[..^2], landmarks, l, d];
        var qL = q.reshape(lm).mean([-2]);                                           // (..., m, d)
        var kL = k.reshape(lm).mean([-2]);                                           // (..., m, d)
        var attn1 = q.matmul(kL.transpose(-1, -2)).softmax(-1);                     // (..., n, m)
        var attn2 = qL.matmul(kL.transpose(-1, -2)).softmax(-1);                    // (..., m, m)
        var attn3 = qL.matmul(k.transpose(-1, -2)).softmax(-1);                     // (..., m, n)
        var result = attn1.matmul(PseudoInverse(attn2, iterations)).matmul(attn3.matmul(v));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Iterative Moore–Penrose pseudo-inverse of Razavi et al. used by Nyströmformer:
    /// Z0 = X^T / (max column sum · max row sum), Z ← ¼ Z (13 I − XZ (15 I − XZ (7 I − XZ))).
    /// </summary>
    public static Tensor PseudoInverse(Tensor x, int iterations)
    {
        using var scope = NewDisposeScope();
        var abs = x.abs();
        var col = abs.sum(-1);
        var row = abs.sum(-2);
        var z = x.transpose(-1, -2) / (col.max() * row.max());
        var eye = torch.eye(x.shape[^1], dtype: x.dtype, device: x.device);
        for (int i = 0; i < iterations; i++)
        {
            var xz = x.matmul(z);
            z = 0.25 * z.matmul(13 * eye - xz.matmul(15 * eye - xz.matmul(7 * eye - xz)));
        }
        return z.MoveToOuterDisposeScope();
    }
}
