using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// TransMIL's Pyramid Position Encoding Generator: the patch tokens are laid out row by row on an H × W square and
/// depthwise convolutions of kernel 7, 5 and 3 are added to them (plus identity); the class token passes unchanged.
/// Keys: <c>proj</c>, <c>proj1</c>, <c>proj2</c>.
/// </summary>
public sealed class Ppeg : nn.Module<Tensor, long, long, Tensor>
{
    private readonly Conv2d proj, proj1, proj2;

    /// <summary>Creates the position module for tokens of width <paramref name="dim"/>.</summary>
    public Ppeg(int dim) : base(nameof(Ppeg))
    {
        proj = nn.Conv2d(dim, dim, 7, padding: 3, groups: dim);
        proj1 = nn.Conv2d(dim, dim, 5, padding: 2, groups: dim);
        proj2 = nn.Conv2d(dim, dim, 3, padding: 1, groups: dim);
        RegisterComponents();
    }

    /// <summary>(B, 1 + H W, C) with the class token first -> same shape.</summary>
    public override Tensor forward(Tensor x, long h, long w)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[2];
        var cls = x[.., ..1, ..];                                                   // (B, 1, C)
        var feat = x[.., 1.., ..].transpose(1, 2).reshape(b, c, h, w);              // (B, C, H, W)
        var y = proj.forward(feat) + feat + proj1.forward(feat) + proj2.forward(feat);
        y = y.flatten(2).transpose(1, 2);                                            // (B, H W, C)
        return torch.cat([cls, y], 1).MoveToOuterDisposeScope();
    }
}
