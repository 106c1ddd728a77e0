using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Runtime;

/// <summary>
/// Dropout that draws its masks from an explicit <see cref="torch.Generator"/> (a run's "training" stream,
/// <see cref="RandomStreams.Attach"/>) instead of torch's process-wide generator, so that two runs in one process —
/// on two threads, or two devices — do not draw from each other's stream. The draw is libtorch's own CPU dropout
/// (<c>empty_like(x).bernoulli_(1 - p)</c>, divided by <c>1 - p</c>, times x): with a generator in the state the global
/// one would have had, the masks are the same bits as <c>nn.Dropout</c>'s. Without a generator it is <c>nn.Dropout</c>.
/// Identity in eval mode; no parameters, so state keys are those of <c>nn.Dropout</c>.
/// </summary>
public sealed class StreamDropout : nn.Module<Tensor, Tensor>
{
    /// <summary>A dropout of probability <paramref name="p"/> (0 ≤ p ≤ 1).</summary>
    public StreamDropout(double p = 0.5) : base(nameof(StreamDropout))
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a dropout probability is between 0 and 1.");
        P = p;
    }

    /// <summary>The probability that an element is zeroed.</summary>
    public double P { get; }

    /// <summary>The generator masks are drawn from; null = torch's global generator (as <c>nn.Dropout</c>).</summary>
    public Generator? Generator { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Apply(input, P, training, Generator);

    /// <summary>Dropout of <paramref name="input"/> with masks from <paramref name="generator"/> (null: the global one).</summary>
    public static Tensor Apply(Tensor input, double p, bool training, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!training || p == 0 || input.numel() == 0) return input.alias();
        if (generator is null) return nn.functional.dropout(input, p, training);
        if (p == 1) return input * zeros(1, dtype: input.dtype, device: input.device);
        using var scope = NewDisposeScope();
        var noise = empty_like(input).bernoulli_(1 - p, generator); // same draw as libtorch's CPU dropout
        noise.div_(1 - p);
        return (input * noise).MoveToOuterDisposeScope();
    }
}
