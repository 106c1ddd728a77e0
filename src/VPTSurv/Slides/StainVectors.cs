namespace VPTSurv.Slides;

/// <summary>An optical-density direction in RGB: how much one unit of a stain absorbs in red, green and blue.</summary>
/// <param name="R">Optical density in the red channel.</param>
/// <param name="G">Optical density in the green channel.</param>
/// <param name="B">Optical density in the blue channel.</param>
public readonly record struct OdVector(double R, double G, double B)
{
    /// <summary>Euclidean length.</summary>
    public double Length => Math.Sqrt(R * R + G * G + B * B);

    /// <summary>The unit vector in the same direction.</summary>
    public OdVector Normalised()
    {
        double n = Length;
        if (!(n > 0)) throw new ArgumentException("A stain vector must not be zero.");
        return new OdVector(R / n, G / n, B / n);
    }

    /// <summary>Cross product (the residual channel of a two-stain matrix).</summary>
    public OdVector Cross(OdVector o) => new(G * o.B - B * o.G, B * o.R - R * o.B, R * o.G - G * o.R);
}

/// <summary>
/// The three stain directions of a colour deconvolution (Ruifrok &amp; Johnston 2001): two stains and a residual.
/// Vectors are stored normalised.
/// </summary>
public sealed record StainVectors
{
    /// <summary>Builds a stain matrix; the vectors are normalised, and a missing residual is the cross product.</summary>
    public StainVectors(OdVector hematoxylin, OdVector dab, OdVector? residual = null)
    {
        Hematoxylin = hematoxylin.Normalised();
        Dab = dab.Normalised();
        Residual = (residual ?? Hematoxylin.Cross(Dab)).Normalised();
    }

    /// <summary>Hematoxylin (nuclei, blue-violet).</summary>
    public OdVector Hematoxylin { get; }

    /// <summary>3,3'-diaminobenzidine (DAB, brown): the immunohistochemical marker.</summary>
    public OdVector Dab { get; }

    /// <summary>Whatever the two stains do not explain.</summary>
    public OdVector Residual { get; }

    /// <summary>
    /// Ruifrok &amp; Johnston's hematoxylin and DAB vectors ("Quantification of histochemical staining by color
    /// deconvolution", Anal Quant Cytol Histol 2001), the ones ImageJ and scikit-image use for H-DAB.
    /// </summary>
    public static StainVectors RuifrokJohnstonHDab { get; } =
        new(new OdVector(0.650, 0.704, 0.286), new OdVector(0.268, 0.570, 0.776));
}
