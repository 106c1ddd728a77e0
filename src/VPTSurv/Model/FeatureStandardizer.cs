using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Model;

/// <summary>
/// The <see cref="FeatureStandardization"/> as a module at the decoder's input: buffers <c>mean</c> and <c>scale</c>
/// (d), so they travel with the model's state (not trained, not decayed). Identity until <see cref="Set"/>.
/// </summary>
public sealed class FeatureStandardizer : nn.Module<Tensor, Tensor>
{
    private readonly Tensor mean;
    private readonly Tensor scale;

    /// <summary>The identity standardiser for width <paramref name="dim"/>.</summary>
    public FeatureStandardizer(int dim) : base("FeatureStandardizer")
    {
        mean = zeros(dim);
        scale = ones(dim);
        register_buffer("mean", mean);
        register_buffer("scale", scale);
    }

    /// <summary>Width d.</summary>
    public int Dim => (int)mean.shape[0];

    /// <summary>Copies <paramref name="s"/> into the buffers.</summary>
    public void Set(FeatureStandardization s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Dim != Dim) throw new ArgumentException($"The standardisation has width {s.Dim}, the model's decoder input {Dim}.", nameof(s));
        using var _ = no_grad();
        using var m = tensor(s.Mean);
        using var sc = tensor(s.Scale);
        mean.copy_(m);
        scale.copy_(sc);
    }

    /// <summary>The current statistics.</summary>
    public FeatureStandardization Get() => new(mean.cpu().data<float>().ToArray(), scale.cpu().data<float>().ToArray());

    /// <summary>(…, d) -> (…, d): (x − mean) / scale.</summary>
    public override Tensor forward(Tensor x) => (x - mean) / scale;
}
