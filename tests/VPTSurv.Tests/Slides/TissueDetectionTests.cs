using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class TissueDetectionTests
{
    // The IHC image's scale is not recorded; its nuclei (~8-10 px) suggest about 0.5 µm/px (20x).
    private const double IhcMpp = 0.5;

    private static void MaybeDump(string name, TissueMask m, TileGrid? g = null)
    {
        if (Environment.GetEnvironmentVariable("VPTSURV_DUMP_QC") is { Length: > 0 } dir)
            TissueQc.Save(Path.Combine(dir, name + ".png"), m, g);
    }

    private static double IoU(bool[] a, bool[] b)
    {
        int inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++) { inter += a[i] && b[i] ? 1 : 0; union += a[i] || b[i] ? 1 : 0; }
        return union == 0 ? 1 : inter / (double)union;
    }

    // Truth at thumbnail resolution: a thumbnail pixel is tissue when most of the level-0 pixels it covers are.
    private static bool[] Downsample(bool[] mask, int w, int h, int tw, int th)
    {
        var r = new bool[tw * th];
        for (int ty = 0; ty < th; ty++)
            for (int tx = 0; tx < tw; tx++)
            {
                int x0 = tx * w / tw, x1 = (tx + 1) * w / tw, y0 = ty * h / th, y1 = (ty + 1) * h / th, n = 0, c = 0;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) { n++; c += mask[y * w + x] ? 1 : 0; }
                r[ty * tw + tx] = 2 * c > n;
            }
        return r;
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 5)]
    [InlineData(3, 2)]
    public void Masks_of_generated_slides_match_the_known_tissue(int seed, int pieces)
    {
        var (img, truth) = TestImages.Blobs(1024, 768, pieces, seed);
        using var slide = new ImageSlide(img, IhcMpp, $"blobs{seed}");
        var m = TissueDetector.Detect(slide, TissueDetectionConfig.Fine);
        MaybeDump($"blobs{seed}", m);
        var iou = IoU(m.Mask, Downsample(truth, 1024, 768, m.Width, m.Height));
        Console.WriteLine($"blobs{seed} IoU {iou:F3}"); Assert.True(iou > 0.93, $"IoU {iou:F3}");
        Assert.Null(m.Warning);
    }

    [Fact]
    public void Real_ihc_image_is_mostly_tissue_and_its_glass_is_not()
    {
        using var slide = new ImageSlide(TestImages.Ihc, IhcMpp, "ihc");
        var m = TissueDetector.Detect(slide, TissueDetectionConfig.Fine);
        MaybeDump("ihc", m);
        Assert.True(m.TissueFraction is > 0.85 and < 0.99, $"tissue fraction {m.TissueFraction:F3}");
        // Glass at the left edge, rows 300-480 of the 512 image (see the picture): background.
        Assert.True(m.FractionIn(4, 300, 28, 180) < 0.2, $"glass patch {m.FractionIn(4, 300, 28, 180):F2}");
        // A DAB-stained gland (centre bottom) and the pale, hematoxylin-only stroma between glands: tissue.
        Assert.Equal(1.0, m.FractionIn(280, 330, 60, 60));
        Assert.True(m.FractionIn(150, 250, 80, 60) > 0.9, $"pale stroma {m.FractionIn(150, 250, 80, 60):F2}");
    }

    [Fact]
    public void Real_ihc_image_on_a_larger_glass_is_found_where_it_was_placed()
    {
        // The IHC field pasted into glass at a known place; IoU against the placed square, less its own glass patch.
        var canvas = TestImages.Blobs(1024, 1024, 0, 7).Image;
        var ihc = TestImages.Ihc;
        var truth = new bool[1024 * 1024];
        for (int y = 0; y < 512; y++)
        {
            Buffer.BlockCopy(ihc.Pixels, y * 512 * 3, canvas.Pixels, ((y + 300) * 1024 + 400) * 3, 512 * 3);
            for (int x = 0; x < 512; x++) truth[(y + 300) * 1024 + x + 400] = true;
        }
        using var slide = new ImageSlide(canvas, IhcMpp, "ihc-on-glass");
        var m = TissueDetector.Detect(slide, TissueDetectionConfig.Fine);
        MaybeDump("ihc-on-glass", m);
        var iou = IoU(m.Mask, Downsample(truth, 1024, 1024, m.Width, m.Height));
        Console.WriteLine($"ihc-on-glass IoU {iou:F3}"); Assert.True(iou > 0.9, $"IoU {iou:F3}");
    }

    [Fact]
    public void Blank_slide_gives_a_warning_not_an_exception()
    {
        var (glass, _) = TestImages.Blobs(512, 512, 0, 3);
        using var slide = new ImageSlide(glass, 0.5, "blank");
        var logged = new List<string>();
        var (grid, m) = Tiler.DetectAndTile(slide, new TilingConfig(64, 0.5), TissueDetectionConfig.Fine, log: logged.Add);
        Assert.Equal(0.0, m.TissueFraction);
        Assert.Contains("no tissue", m.Warning);
        Assert.Contains("blank", m.Warning);
        Assert.Equal(m.Warning, Assert.Single(logged));
        Assert.Empty(grid.Tiles);
        Assert.Equal(m.Warning, grid.Warning);
    }

    [Fact]
    public void Otsu_splits_two_modes_between_them()
    {
        var rng = new Random(1);
        var v = new float[4000];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(i % 3 == 0 ? 0.6 + 0.05 * rng.NextDouble() : 0.05 + 0.05 * rng.NextDouble());
        var t = TissueDetector.Otsu(v, 0, 1.5, 256);
        Assert.InRange(t, 0.1, 0.6);
    }

    [Fact]
    public void Qc_thumbnail_shows_the_outline_and_the_tiles()
    {
        using var dir = new TestImages.TempDir();
        var (img, _) = TestImages.Blobs(768, 768, 3, 4);
        using var slide = new ImageSlide(img, 0.5, "qc");
        var (grid, m) = Tiler.DetectAndTile(slide, new TilingConfig(64, 0.5), TissueDetectionConfig.Fine);
        var path = dir.File("qc.png");
        TissueQc.Save(path, m, grid);
        var back = VipsImaging.LoadRgb(path);
        Assert.Equal((m.Width, m.Height), (back.Width, back.Height));
        int green = 0, blue = 0;
        for (int i = 0; i < back.Pixels.Length; i += 3)
        {
            if (back.Pixels[i] == 0 && back.Pixels[i + 1] == 200 && back.Pixels[i + 2] == 0) green++;
            if (back.Pixels[i] == 30 && back.Pixels[i + 1] == 60 && back.Pixels[i + 2] == 255) blue++;
        }
        Assert.True(green > 100, $"{green} outline pixels");
        Assert.True(blue > 100 && grid.Count > 0, $"{blue} tile pixels, {grid.Count} tiles");
    }
}
