using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>LayerNorm over the channel axis of a (B, C, H, W) map, as in SAM's neck (state keys weight, bias).</summary>
public sealed class LayerNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly double eps;

    /// <summary>Creates the norm for <paramref name="channels"/> channels.</summary>
    public LayerNorm2d(int channels, double eps = 1e-6) : base("LayerNorm2d")
    {
        this.eps = eps;
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        RegisterComponents();
    }

    /// <summary>(B, C, H, W) -> (B, C, H, W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var u = x.mean([1], keepdim: true);
        var s = (x - u).pow(2).mean([1], keepdim: true);
        var y = (x - u) / (s + eps).sqrt();
        return (weight.view(1, -1, 1, 1) * y + bias.view(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }
}
