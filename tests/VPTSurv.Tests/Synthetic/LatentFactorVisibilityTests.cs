using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Synthetic;

/// <summary>Each latent factor changes what it is documented to change (docs/synthetic/README.md).</summary>
public class LatentFactorVisibilityTests
{
    private static readonly LatentFactors Mid = new(0.5, 0.5, 0.5, 0.5);

    private static IEnumerable<RgbImage> Tiles(LatentFactors f, int level = 0, int size = 128, ulong seed = 21)
    {
        using var slide = new SyntheticSlide(new SyntheticSlideSpec(seed, IhcStain.CD8, f));
        var (w, h) = slide.LevelDimensions[0];
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 3; i++)
                yield return slide.ReadRegion(w * (3 + i) / 10, h * (3 + j) / 10, level, size, size);
    }

    private static double DabPositiveFraction(IEnumerable<RgbImage> tiles)
    {
        long pos = 0, n = 0;
        foreach (var t in tiles)
        {
            var c = StainDeconvolution.Deconvolve(t);
            pos += c.Dab.Count(d => d > 0.25f);
            n += c.Dab.Length;
        }
        return pos / (double)n;
    }

    /// <summary>Mean squared difference between horizontally adjacent hematoxylin values: fine texture energy.</summary>
    private static double HematoxylinTextureEnergy(IEnumerable<RgbImage> tiles)
    {
        double s = 0;
        long n = 0;
        foreach (var t in tiles)
        {
            var h = StainDeconvolution.Deconvolve(t).Hematoxylin;
            for (int y = 0; y < t.Height; y++)
                for (int x = 1; x < t.Width; x++)
                {
                    double d = h[y * t.Width + x] - h[y * t.Width + x - 1];
                    s += d * d;
                    n++;
                }
        }
        return s / n;
    }

    [Fact]
    public void Immune_factor_raises_the_amount_of_dab_positive_cells()
    {
        double low = DabPositiveFraction(Tiles(Mid with { Immune = 0.05 }));
        double high = DabPositiveFraction(Tiles(Mid with { Immune = 0.95 }));
        Assert.True(high > 4 * low, $"DAB+ fraction {low:F4} (immune 0.05) vs {high:F4} (immune 0.95)");
    }

    [Fact]
    public void Grade_raises_the_high_frequency_hematoxylin_texture()
    {
        double low = HematoxylinTextureEnergy(Tiles(Mid with { Grade = 0 }));
        double high = HematoxylinTextureEnergy(Tiles(Mid with { Grade = 1 }));
        Assert.True(high > 1.5 * low, $"texture energy {low:E3} (grade 0) vs {high:E3} (grade 1)");
    }

    [Fact]
    public void Infiltration_moves_marked_cells_from_the_nest_border_into_the_nests()
    {
        // Count marked cells by compartment of their centre, using the renderer's own layout.
        static double InsideFraction(double infiltration)
        {
            var spec = new SyntheticSlideSpec(21, IhcStain.CD8, Mid with { Immune = 0.9, Infiltration = infiltration });
            using var slide = new SyntheticSlide(spec);
            var (w, h) = slide.LevelDimensions[0];
            var model = new TissueModel(spec.Seed, w, h, spec.Factors);
            var lattice = new FieldLattice(model, 0, 0, w, h);
            long inside = 0, border = 0;
            var img = slide.ReadRegion(w / 4, h / 4, 0, 1024, 1024);
            var dab = StainDeconvolution.Deconvolve(img).Dab;
            for (int y = 0; y < 1024; y += 2)
                for (int x = 0; x < 1024; x += 2)
                    if (dab[y * 1024 + x] > 0.3f)
                        switch (lattice.Classify(w / 4 + x + 0.5, h / 4 + y + 0.5, out _))
                        {
                            case Compartment.Epithelium: inside++; break;
                            case Compartment.BorderStroma: border++; break;
                        }
            return inside / (double)Math.Max(1, inside + border);
        }
        double excluded = InsideFraction(0.0), infiltrated = InsideFraction(1.0);
        Assert.True(infiltrated > excluded + 0.3, $"share of DAB+ pixels inside nests: {excluded:F2} (infiltration 0) vs {infiltrated:F2} (1)");
    }

    [Fact]
    public void Architecture_sets_the_nest_size_between_one_and_a_half_and_three_and_a_half_cpu_tiles()
    {
        // The Cpu preset's tile is 128 level-0 px; the nest lattice spans 3.5 tiles (cohesive) to 1.5 tiles (fragmented).
        Assert.Equal(448, new TissueModel(1, 4096, 4096, Mid with { Architecture = 0 }).NestCell);
        Assert.Equal(192, new TissueModel(1, 4096, 4096, Mid with { Architecture = 1 }).NestCell);
    }
}
