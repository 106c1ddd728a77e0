using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Slides;

/// <summary>Per-pixel stain amounts of an image, in optical-density units (OD = -log10(I / 255)).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Hematoxylin">Hematoxylin amount per pixel, row-major.</param>
/// <param name="Dab">DAB amount per pixel, row-major.</param>
/// <param name="Residual">Residual amount per pixel, row-major.</param>
public sealed record StainConcentrations(int Width, int Height, float[] Hematoxylin, float[] Dab, float[] Residual);

/// <summary>
/// Colour deconvolution (Ruifrok &amp; Johnston 2001): Beer–Lambert turns intensities into optical densities, which are
/// linear in the stain amounts; the inverse of the stain matrix separates them.
/// </summary>
public static class StainDeconvolution
{
    /// <summary>Optical density of one 8-bit intensity: -log10(max(I, 1) / 255), so glass (255) is 0.</summary>
    public static double OpticalDensity(byte intensity) => -Math.Log10(Math.Max((int)intensity, 1) / 255.0);

    /// <summary>The 8-bit intensity that an optical density leaves: 255 * 10^-OD, rounded and clamped.</summary>
    public static byte Intensity(double opticalDensity) =>
        (byte)Math.Clamp(Math.Round(255.0 * Math.Pow(10.0, -opticalDensity)), 0, 255);

    /// <summary>Separates <paramref name="image"/> into stain amounts along <paramref name="stains"/>
    /// (default: Ruifrok &amp; Johnston's H-DAB). Amounts can be slightly negative where noise leaves the stain plane.</summary>
    public static StainConcentrations Deconvolve(RgbImage image, StainVectors? stains = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        stains ??= StainVectors.RuifrokJohnstonHDab;
        int n = checked(image.Width * image.Height);
        if (image.Pixels.Length != n * 3)
            throw new ArgumentException($"Image of {image.Width}x{image.Height} needs {n * 3} bytes, has {image.Pixels.Length}.", nameof(image));

        // OD (row) = c (row) * M, M's rows the stain vectors; so c = OD * M^-1.
        var m = Matrix<double>.Build.DenseOfRowArrays(
            [stains.Hematoxylin.R, stains.Hematoxylin.G, stains.Hematoxylin.B],
            [stains.Dab.R, stains.Dab.G, stains.Dab.B],
            [stains.Residual.R, stains.Residual.G, stains.Residual.B]);
        var inv = m.Inverse();
        var od = new float[256];
        for (int i = 0; i < 256; i++) od[i] = (float)OpticalDensity((byte)i);

        float i00 = (float)inv[0, 0], i01 = (float)inv[0, 1], i02 = (float)inv[0, 2];
        float i10 = (float)inv[1, 0], i11 = (float)inv[1, 1], i12 = (float)inv[1, 2];
        float i20 = (float)inv[2, 0], i21 = (float)inv[2, 1], i22 = (float)inv[2, 2];
        var h = new float[n];
        var d = new float[n];
        var r = new float[n];
        var px = image.Pixels;
        for (int p = 0; p < n; p++)
        {
            float oR = od[px[3 * p]], oG = od[px[3 * p + 1]], oB = od[px[3 * p + 2]];
            h[p] = oR * i00 + oG * i10 + oB * i20;
            d[p] = oR * i01 + oG * i11 + oB * i21;
            r[p] = oR * i02 + oG * i12 + oB * i22;
        }
        return new StainConcentrations(image.Width, image.Height, h, d, r);
    }
}
