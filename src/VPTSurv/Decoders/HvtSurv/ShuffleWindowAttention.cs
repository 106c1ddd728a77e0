using VPTSurv.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// HVTSurv's shuffled-window attention (after Shuffle Transformer): the M = nW·W tokens, laid out window by window,
/// are regrouped with a stride — shuffled window j holds tokens j, j + nW, j + 2 nW, … — so that each attention window
/// mixes tiles from distant local windows; then multi-head attention per shuffled window and the inverse regrouping.
/// Keys: <c>qkv</c>, <c>proj</c>.
/// </summary>
public sealed class ShuffleWindowAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly StreamDropout attn_drop;
    private readonly Linear proj;
    private readonly StreamDropout proj_drop;
    private readonly int _heads, _window;
    private readonly double _scale;

    /// <summary>Creates the attention for tokens of width <paramref name="dim"/> in windows of <paramref name="windowSize"/>.</summary>
    public ShuffleWindowAttention(int dim, int heads, int windowSize, double dropout) : base(nameof(ShuffleWindowAttention))
    {
        _heads = heads;
        _window = windowSize;
        _scale = Math.Pow(dim / heads, -0.5);
        qkv = nn.Linear(dim, dim * 3);
        attn_drop = new StreamDropout(dropout);
        proj = nn.Linear(dim, dim);
        proj_drop = new StreamDropout(dropout);
        RegisterComponents();
    }

    /// <summary>(M, C) -> (M, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long m = x.shape[0], c = x.shape[1], nw = m / _window;
        var xs = x.reshape(_window, nw, c).transpose(0, 1);                          // (nW, W, C): '(ws w) c -> w ws c'
        var t = qkv.forward(xs).reshape(nw, _window, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4); // (3, nW, h, W, d)
        var attn = attn_drop.forward((t[0] * _scale).matmul(t[1].transpose(-2, -1)).softmax(-1)); // (nW, h, W, W)
        var o = attn.matmul(t[2]).transpose(1, 2).reshape(nw, _window, c);           // (nW, W, C)
        o = proj_drop.forward(proj.forward(o));
        return o.transpose(0, 1).reshape(m, c).MoveToOuterDisposeScope();           // back to '(ws w) c'
    }
}
