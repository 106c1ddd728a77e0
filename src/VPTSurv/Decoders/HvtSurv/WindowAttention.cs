using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// HVTSurv's local window attention: multi-head self-attention inside each window of W spatially nearest tiles, with a
/// learned per-head bias indexed by the bucketed Manhattan distance between tiles (<see cref="DistanceBucket"/>),
/// table of 2⌊√W⌋ + 1 rows. Keys: <c>relative_position_bias_table</c>, <c>qkv</c>, <c>proj</c>.
/// </summary>
public sealed class WindowAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Parameter relative_position_bias_table;
    private readonly Linear qkv;
    private readonly StreamDropout attn_drop;
    private readonly Linear proj;
    private readonly StreamDropout proj_drop;
    private readonly int _heads, _window;
    private readonly long _shift;
    private readonly double _scale;

    /// <summary>Creates the attention for tokens of width <paramref name="dim"/> in windows of <paramref name="windowSize"/>.</summary>
    public WindowAttention(int dim, int heads, int windowSize, double dropout) : base(nameof(WindowAttention))
    {
        _heads = heads;
        _window = windowSize;
        _shift = (long)Math.Sqrt(windowSize);
        _scale = Math.Pow(dim / heads, -0.5);
        relative_position_bias_table = nn.Parameter(torch.zeros(2 * _shift + 1, heads));
        nn.init.trunc_normal_(relative_position_bias_table, std: 0.02);
        qkv = nn.Linear(dim, dim * 3);
        attn_drop = new StreamDropout(dropout);
        proj = nn.Linear(dim, dim);
        proj_drop = new StreamDropout(dropout);
        RegisterComponents();
    }

    /// <summary>Attention weights (nW, h, W, W) for tokens <paramref name="x"/> (M, C) and grid positions <paramref name="grid"/> (M, 2), M = nW·W.</summary>
    public Tensor Weights(Tensor x, Tensor grid)
    {
        using var scope = NewDisposeScope();
        var (_, attn, _) = Attend(x, grid);
        return attn.MoveToOuterDisposeScope();
    }

    /// <summary>(M, C) tokens in window order and their grid positions (M, 2) -> (M, C).</summary>
    public override Tensor forward(Tensor x, Tensor grid)
    {
        using var scope = NewDisposeScope();
        var (_, attn, v) = Attend(x, grid);
        long m = x.shape[0], c = x.shape[1];
        var o = attn_drop.forward(attn).matmul(v);                                   // (nW, h, W, d)
        o = o.transpose(1, 2).reshape(m, c);                                        // (M, C)
        return proj_drop.forward(proj.forward(o)).MoveToOuterDisposeScope();
    }

    private (Tensor Q, Tensor Attn, Tensor V) Attend(Tensor x, Tensor grid)
    {
        long m = x.shape[0], c = x.shape[1], nw = m / _window;
        var t = qkv.forward(x).reshape(nw, _window, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4); // (3, nW, h, W, d)
        var (q, k, v) = (t[0] * _scale, t[1], t[2]);                                 // (nW, h, W, d)
        var index = DistanceBucket.Pairwise(grid.reshape(nw, _window, 2), _shift);   // (nW, W, W)
        var bias = relative_position_bias_table.index_select(0, index.flatten())
            .reshape(nw, _window, _window, _heads).permute(0, 3, 1, 2);              // (nW, h, W, W)
        var attn = (q.matmul(k.transpose(-2, -1)) + bias).softmax(-1);              // (nW, h, W, W)
        return (q, attn, v);
    }
}
