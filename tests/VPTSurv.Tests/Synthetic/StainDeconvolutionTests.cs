using VPTSurv.Slides;
using Xunit;

namespace VPTSurv.Tests.Synthetic;

public class StainDeconvolutionTests
{
    /// <summary>Beer–Lambert forward model: the colour that amounts h and d of the two stains leave.</summary>
    private static RgbImage Mix(double h, double d)
    {
        var s = StainVectors.RuifrokJohnstonHDab;
        byte C(double hv, double dv) => StainDeconvolution.Intensity(h * hv + d * dv);
        return new RgbImage(1, 1, [C(s.Hematoxylin.R, s.Dab.R), C(s.Hematoxylin.G, s.Dab.G), C(s.Hematoxylin.B, s.Dab.B)]);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.3, 0.0)]
    [InlineData(0.0, 0.6)]
    [InlineData(0.25, 0.5)]
    [InlineData(0.8, 0.9)]
    public void Deconvolution_recovers_the_stain_amounts_that_made_a_colour(double h, double d)
    {
        var c = StainDeconvolution.Deconvolve(Mix(h, d));
        // 8-bit quantisation limits the precision to about 0.01 OD in this range.
        Assert.InRange(c.Hematoxylin[0], h - 0.02, h + 0.02);
        Assert.InRange(c.Dab[0], d - 0.02, d + 0.02);
        Assert.InRange(c.Residual[0], -0.02, 0.02);
    }

    [Fact]
    public void Stain_vectors_are_ruifrok_and_johnstons_normalised_with_a_perpendicular_residual()
    {
        var s = StainVectors.RuifrokJohnstonHDab;
        Assert.Equal(1.0, s.Hematoxylin.Length, 12);
        Assert.Equal(1.0, s.Dab.Length, 12);
        Assert.Equal(0.650 / new OdVector(0.650, 0.704, 0.286).Length, s.Hematoxylin.R, 12);
        double dotH = s.Residual.R * s.Hematoxylin.R + s.Residual.G * s.Hematoxylin.G + s.Residual.B * s.Hematoxylin.B;
        double dotD = s.Residual.R * s.Dab.R + s.Residual.G * s.Dab.G + s.Residual.B * s.Dab.B;
        Assert.Equal(0, dotH, 12);
        Assert.Equal(0, dotD, 12);
    }

    [Fact]
    public void Glass_is_zero_optical_density_and_black_is_clamped()
    {
        Assert.Equal(0, StainDeconvolution.OpticalDensity(255));
        Assert.Equal(Math.Log10(255), StainDeconvolution.OpticalDensity(0), 12);
        Assert.Equal(StainDeconvolution.OpticalDensity(1), StainDeconvolution.OpticalDensity(0));
    }

    [Fact]
    public void A_wrongly_sized_image_is_rejected_with_its_dimensions()
    {
        var e = Assert.Throws<ArgumentException>(() => StainDeconvolution.Deconvolve(new RgbImage(2, 2, new byte[5])));
        Assert.Contains("2x2", e.Message);
    }
}
