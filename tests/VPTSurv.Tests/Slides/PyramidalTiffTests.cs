using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class PyramidalTiffTests
{
    private const double Mpp = 0.25;

    // JPEG at quality 90 on tissue texture: per-channel mean absolute error below 3 grey levels, no value off by more
    // than 24 (measured here: mean 1.7-1.9, max 12-14). Both readers decode the same JPEG stream: they agree within 2
    // (identical here; two libjpeg-turbo builds may round differently).
    private const double JpegMeanTolerance = 3.0;
    private const int JpegMaxTolerance = 24;
    private const int ReadersAgreeWithin = 2;

    private static (ImageSlide Source, string Path) WriteSample(TestImages.TempDir dir, int w = 1500, int h = 1100)
    {
        var src = new ImageSlide(TestImages.Mirrored(w, h), Mpp, "mirrored");
        var path = dir.File("mirrored.tiff");
        PyramidalTiff.Write(src, path, tileSize: 256, jpegQuality: 90);
        return (src, path);
    }

    [Fact]
    public void Written_tiff_reads_back_through_both_readers_with_the_same_levels_and_mpp()
    {
        using var dir = new TestImages.TempDir();
        var (_, path) = WriteSample(dir);
        using var vips = new TiffSlide(path);
        using var osl = new OpenSlideFile(path);
        // libvips halves until a level fits in one 256 tile: 1500 -> 750 -> 375 -> 188 (ceil).
        Assert.Equal(4, vips.LevelDimensions.Count);
        Assert.Equal((1500L, 1100L), vips.LevelDimensions[0]);
        Assert.Equal(vips.LevelDimensions, osl.LevelDimensions);
        for (int l = 0; l < vips.LevelDownsamples.Count; l++)
            Assert.Equal(osl.LevelDownsamples[l], vips.LevelDownsamples[l], 6);
        Assert.Equal(Mpp, vips.MicronsPerPixel!.Value, 6);
        Assert.Equal(Mpp, osl.MicronsPerPixel!.Value, 6);
        Assert.Equal("aperio", osl.Vendor);
    }

    [Fact]
    public void Pixels_read_back_equal_the_source_within_jpeg_tolerance()
    {
        using var dir = new TestImages.TempDir();
        var (src, path) = WriteSample(dir);
        using var vips = new TiffSlide(path);
        using var osl = new OpenSlideFile(path);
        foreach (var (x, y) in new[] { (0L, 0L), (300L, 517L), (1244L, 844L) })
        {
            var want = src.ReadRegion(x, y, 0, 256, 256);
            var a = vips.ReadRegion(x, y, 0, 256, 256);
            var b = osl.ReadRegion(x, y, 0, 256, 256);
            foreach (var got in new[] { a, b })
            {
                var d = TestImages.Diff(want, got);
                Assert.True(d.Mean < JpegMeanTolerance, $"mean |diff| {d.Mean:F2} at ({x},{y})");
                Assert.True(d.Max <= JpegMaxTolerance, $"max |diff| {d.Max} at ({x},{y})");
            }
            Assert.True(TestImages.Diff(a, b).Max <= ReadersAgreeWithin, $"readers differ by {TestImages.Diff(a, b).Max} at ({x},{y})");
        }
        // A coarser level: both readers agree with each other (same stored pixels).
        var va = vips.ReadRegion(400, 400, 2, 64, 64);
        var oa = osl.ReadRegion(400, 400, 2, 64, 64);
        Assert.True(TestImages.Diff(va, oa).Max <= ReadersAgreeWithin);
    }

    [Fact]
    public void Regions_outside_the_slide_read_white_in_both_readers()
    {
        using var dir = new TestImages.TempDir();
        var (_, path) = WriteSample(dir, 600, 400);
        using var vips = new TiffSlide(path);
        using var osl = new OpenSlideFile(path);
        foreach (ISlide s in new ISlide[] { vips, osl })
        {
            var r = s.ReadRegion(500, 300, 0, 200, 200); // 100 x 100 inside, the rest outside
            Assert.Equal(255, r.Pixels[(150 * 200 + 150) * 3]);
            Assert.Equal(255, r.Pixels[(199 * 200 + 199) * 3 + 2]);
            Assert.True(r.Pixels[(10 * 200 + 10) * 3] < 250 || r.Pixels[(10 * 200 + 10) * 3 + 2] < 250);
        }
    }

    [Fact]
    public void Writing_never_overwrites_an_existing_file_unless_asked()
    {
        using var dir = new TestImages.TempDir();
        var path = dir.File("keep.tiff");
        File.WriteAllText(path, "user data");
        var src = new ImageSlide(TestImages.Mirrored(64, 64), Mpp);
        Assert.Throws<IOException>(() => PyramidalTiff.Write(src, path));
        Assert.Equal("user data", File.ReadAllText(path));
        PyramidalTiff.Write(src, path, tileSize: 32, overwrite: true);
        using var back = new TiffSlide(path);
        Assert.Equal((64L, 64L), back.LevelDimensions[0]);
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary left behind
    }

    [Fact]
    public void Writing_requires_an_mpp_and_names_the_slide()
    {
        using var dir = new TestImages.TempDir();
        var src = new ImageSlide(TestImages.Mirrored(64, 64), null, "no-mpp");
        var e = Assert.Throws<MissingMppException>(() => PyramidalTiff.Write(src, dir.File("x.tiff")));
        Assert.Contains("no-mpp", e.Message);
        Assert.False(File.Exists(dir.File("x.tiff")));
    }

    [Fact]
    public void Streaming_in_narrow_bands_writes_the_same_pixels()
    {
        using var dir = new TestImages.TempDir();
        var src = new ImageSlide(TestImages.Mirrored(300, 200), Mpp);
        PyramidalTiff.Write(src, dir.File("a.tiff"), tileSize: 64);
        PyramidalTiff.Write(src, dir.File("b.tiff"), tileSize: 64, bandRows: 7);
        using var a = new TiffSlide(dir.File("a.tiff"));
        using var b = new TiffSlide(dir.File("b.tiff"));
        Assert.Equal(0, TestImages.Diff(a.ReadRegion(0, 0, 0, 300, 200), b.ReadRegion(0, 0, 0, 300, 200)).Max);
    }
}
