namespace VPTSurv.Encoders;

/// <summary>
/// Per-channel input normalisation x̂ = (x - Mean) / Std on the 0..255 scale. It belongs to the encoder because each
/// checkpoint was trained with its own statistics.
/// </summary>
/// <param name="Mean">Per-channel mean (R, G, B), 0..255 scale.</param>
/// <param name="Std">Per-channel standard deviation (R, G, B), 0..255 scale.</param>
public sealed record PixelNormalization(IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>SAM's statistics (segment_anything: pixel_mean 123.675/116.28/103.53, pixel_std 58.395/57.12/57.375).</summary>
    public static PixelNormalization Sam { get; } = new([123.675, 116.28, 103.53], [58.395, 57.12, 57.375]);

    /// <summary>ImageNet statistics used by timm and most pathology foundation models (0.485/0.456/0.406, 0.229/0.224/0.225) x 255.</summary>
    public static PixelNormalization ImageNet { get; } = new([0.485 * 255, 0.456 * 255, 0.406 * 255], [0.229 * 255, 0.224 * 255, 0.225 * 255]);

    /// <summary>Throws unless there are three positive standard deviations and three means.</summary>
    public void Validate()
    {
        if (Mean.Count != 3 || Std.Count != 3)
            throw new ArgumentException($"PixelNormalization needs 3 means and 3 stds (RGB), got {Mean.Count} and {Std.Count}.");
        if (Std.Any(s => !(s > 0)))
            throw new ArgumentException($"PixelNormalization stds must be positive, got [{string.Join(", ", Std)}].");
    }
}
