using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Synthetic;

public class SyntheticSlideTests
{
    private const string Spec = "synthetic:v1;seed=123;stain=CD8;immune=0.7;infiltration=0.2;grade=0.5;architecture=0.3";

    private static (long X, long Y) Middle(ISlide s) => (s.LevelDimensions[0].Width / 2, s.LevelDimensions[0].Height / 2);

    private static byte[] Crop(RgbImage img, int x, int y, int w, int h)
    {
        var o = new byte[w * h * 3];
        for (int j = 0; j < h; j++)
            Array.Copy(img.Pixels, ((y + j) * img.Width + x) * 3, o, j * w * 3, w * 3);
        return o;
    }

    [Fact]
    public void Same_spec_renders_identical_pixels_in_two_slide_objects()
    {
        using var a = SyntheticSlide.FromSpec(Spec);
        using var b = SyntheticSlide.FromSpec(Spec);
        var (x, y) = Middle(a);
        Assert.Equal(a.ReadRegion(x, y, 0, 96, 96).Pixels, b.ReadRegion(x, y, 0, 96, 96).Pixels);
        Assert.Equal(a.ReadRegion(0, 0, 3, 64, 64).Pixels, b.ReadRegion(0, 0, 3, 64, 64).Pixels);
    }

    [Fact]
    public void Different_seeds_render_different_tissue()
    {
        using var a = SyntheticSlide.FromSpec(Spec);
        using var b = SyntheticSlide.FromSpec(Spec.Replace("seed=123", "seed=124"));
        var (x, y) = Middle(a);
        Assert.NotEqual(a.ReadRegion(x, y, 0, 64, 64).Pixels, b.ReadRegion(x, y, 0, 64, 64).Pixels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_pixel_reads_the_same_whichever_region_or_tiling_asked_for_it(int level)
    {
        using var slide = SyntheticSlide.FromSpec(Spec);
        long ds = (long)slide.LevelDownsamples[level];
        var (mx, my) = Middle(slide);
        long x0 = mx / ds * ds, y0 = my / ds * ds; // aligned to the level's pixel grid
        var big = slide.ReadRegion(x0, y0, level, 128, 96);
        // A 2 x 2 tiling of the same area, and an odd window straddling tile borders.
        for (int ty = 0; ty < 2; ty++)
            for (int tx = 0; tx < 2; tx++)
            {
                var tile = slide.ReadRegion(x0 + tx * 64 * ds, y0 + ty * 48 * ds, level, 64, 48);
                Assert.Equal(Crop(big, tx * 64, ty * 48, 64, 48), tile.Pixels);
            }
        var odd = slide.ReadRegion(x0 + 37 * ds, y0 + 29 * ds, level, 53, 41);
        Assert.Equal(Crop(big, 37, 29, 53, 41), odd.Pixels);
    }

    [Fact]
    public void Parallel_reads_equal_sequential_reads()
    {
        using var slide = SyntheticSlide.FromSpec(Spec);
        var (mx, my) = Middle(slide);
        var origins = Enumerable.Range(0, 16).Select(i => (X: mx + 64L * (i % 4), Y: my + 64L * (i / 4))).ToArray();
        var sequential = origins.Select(o => slide.ReadRegion(o.X, o.Y, 0, 64, 64).Pixels).ToArray();
        var parallel = new byte[origins.Length][];
        Parallel.For(0, origins.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i] = slide.ReadRegion(origins[i].X, origins[i].Y, 0, 64, 64).Pixels);
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Pyramid_halves_each_level_down_to_a_thumbnail_at_half_a_micron_per_pixel()
    {
        using var slide = SyntheticSlide.FromSpec(Spec);
        Assert.Equal(0.5, slide.MicronsPerPixel);
        var (w0, h0) = slide.LevelDimensions[0];
        Assert.InRange(w0, 4096, 6144);
        Assert.InRange(h0, 3072, 4608);
        for (int l = 0; l < slide.LevelDimensions.Count; l++)
        {
            Assert.Equal(Math.Pow(2, l), slide.LevelDownsamples[l]);
            Assert.Equal((w0 + (1L << l) - 1) >> l, slide.LevelDimensions[l].Width);
            Assert.Equal((h0 + (1L << l) - 1) >> l, slide.LevelDimensions[l].Height);
        }
        var last = slide.LevelDimensions[^1];
        Assert.True(Math.Max(last.Width, last.Height) <= 400);
        Assert.Equal(slide.Spec, slide.Source);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Coarser_levels_look_like_level_0_averaged(int level)
    {
        // Levels are rendered directly (not by downsampling), with cell stamps scaled to conserve stain; they must agree
        // with box-averaged level 0 up to camera noise and averaged-out texture.
        using var slide = SyntheticSlide.FromSpec(Spec);
        var (mx, my) = Middle(slide);
        int ds = 1 << level, n = 256 / ds;
        var fine = slide.ReadRegion(mx, my, 0, 256, 256);
        var coarse = slide.ReadRegion(mx, my, level, n, n);
        double diff = 0, meanFine = 0, meanCoarse = 0;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
                for (int c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (int v = 0; v < ds; v++)
                        for (int u = 0; u < ds; u++)
                            s += fine.Pixels[((y * ds + v) * 256 + x * ds + u) * 3 + c];
                    s /= ds * ds;
                    double r = coarse.Pixels[(y * n + x) * 3 + c];
                    diff += Math.Abs(s - r);
                    meanFine += s;
                    meanCoarse += r;
                }
        int count = n * n * 3;
        Assert.InRange(Math.Abs(meanFine - meanCoarse) / count, 0, 3);
        Assert.InRange(diff / count, 0, 8);
    }

    [Fact]
    public void Outside_the_slide_reads_white()
    {
        using var slide = SyntheticSlide.FromSpec(Spec);
        var (w, h) = slide.LevelDimensions[0];
        Assert.All(slide.ReadRegion(w + 10, 0, 0, 16, 16).Pixels, p => Assert.Equal(255, p));
        Assert.All(slide.ReadRegion(-100, -100, 0, 16, 16).Pixels, p => Assert.Equal(255, p));
    }

    [Fact]
    public void Bad_level_or_size_names_the_slide()
    {
        using var slide = SyntheticSlide.FromSpec(Spec, "S1");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => slide.ReadRegion(0, 0, 99, 8, 8));
        Assert.Contains("'S1'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => slide.ReadRegion(0, 0, 0, 0, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => slide.ReadRegion(0, 0, 0, 100_000, 100_000));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Tissue_covers_roughly_half_of_the_slide(ulong seed)
    {
        using var slide = new SyntheticSlide(new SyntheticSlideSpec(seed, IhcStain.CD4, new LatentFactors(0.5, 0.5, 0.5, 0.5)));
        int l = slide.LevelDimensions.Count - 1;
        var (w, h) = slide.LevelDimensions[l];
        var mask = slide.TrueTissueMask(0, 0, l, (int)w, (int)h);
        Assert.InRange(mask.Count(m => m) / (double)mask.Length, 0.3, 0.7);
    }

    [Fact]
    public void Tissue_mask_agrees_with_the_rendered_pixels()
    {
        // Glass is near-white and tissue is not, so the ground-truth mask can test tissue detectors.
        using var slide = SyntheticSlide.FromSpec(Spec);
        int l = slide.LevelDimensions.Count - 1;
        var (w, h) = slide.LevelDimensions[l];
        var img = slide.ReadRegion(0, 0, l, (int)w, (int)h);
        var mask = slide.TrueTissueMask(0, 0, l, (int)w, (int)h);
        int agree = 0;
        for (int p = 0; p < mask.Length; p++)
        {
            int lum = (img.Pixels[3 * p] + img.Pixels[3 * p + 1] + img.Pixels[3 * p + 2]) / 3;
            if ((lum < 236) == mask[p]) agree++;
        }
        Assert.True(agree > 0.95 * mask.Length, $"mask and pixels agree on {agree} of {mask.Length}");
    }
}
