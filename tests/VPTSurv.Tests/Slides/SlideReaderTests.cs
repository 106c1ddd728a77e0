using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class SlideReaderTests
{
    [Fact]
    public void Open_picks_openslide_for_a_tiff_it_recognises_and_vips_when_forced()
    {
        using var dir = new TestImages.TempDir();
        var path = dir.File("s.tiff");
        PyramidalTiff.Write(new ImageSlide(TestImages.Mirrored(300, 200), 0.5), path, tileSize: 64);
        using (var auto = SlideSource.Open(path)) Assert.IsType<OpenSlideFile>(auto);
        using (var vips = SlideSource.Open(path, SlideSource.Reader.Vips)) Assert.IsType<TiffSlide>(vips);
    }

    [Fact]
    public void Open_names_the_path_of_a_missing_or_unreadable_file()
    {
        using var dir = new TestImages.TempDir();
        var missing = dir.File("nope.svs");
        var e1 = Assert.Throws<SlideFormatException>(() => SlideSource.Open(missing));
        Assert.Contains(missing, e1.Message);
        Assert.Contains("not found", e1.Message);

        var junk = dir.File("junk.tiff");
        File.WriteAllText(junk, "this is not a TIFF");
        var e2 = Assert.Throws<SlideFormatException>(() => SlideSource.Open(junk));
        Assert.Contains(junk, e2.Message);
        var e3 = Assert.Throws<SlideFormatException>(() => new OpenSlideFile(junk));
        Assert.Contains(junk, e3.Message);
    }

    [Fact]
    public void Registered_schemes_open_their_sources_and_unknown_schemes_are_named()
    {
        SlideSource.RegisterScheme("testpattern", s => new ImageSlide(TestImages.Mirrored(32, 32), 1.0, s));
        using (var s = SlideSource.Open("testpattern:abc")) Assert.Equal("testpattern:abc", s.Id);
        var e = Assert.Throws<SlideFormatException>(() => SlideSource.Open("nosuchscheme:x"));
        Assert.Contains("nosuchscheme", e.Message);
        Assert.Throws<ArgumentException>(() => SlideSource.RegisterScheme("c", _ => throw new InvalidOperationException()));
    }

    [Fact]
    public void Missing_openslide_message_says_how_to_install_it()
    {
        // Probing a library name that cannot exist goes through the same path as a machine without libopenslide0.
        var reason = OpenSlideNative.Probe("libopenslide-not-installed.so.0");
        Assert.NotNull(reason);
        var e = new OpenSlideUnavailableException("x.svs", reason!);
        Assert.Contains("sudo apt-get install libopenslide0", e.Message);
        Assert.Null(OpenSlideNative.Probe(OpenSlideNative.Library));
        Assert.Contains("x.svs", e.Message);
        Assert.True(OpenSlideFile.IsAvailable, "libopenslide0 is in .ci/apt-packages; CI must have it");
    }

    [Fact]
    public void A_corrupt_tile_is_reported_per_region_and_the_slide_stays_readable_in_both_readers()
    {
        using var dir = new TestImages.TempDir();
        var path = dir.File("broken.tiff");
        PyramidalTiff.Write(new ImageSlide(TestImages.Mirrored(512, 512), 0.5, "broken"), path, tileSize: 128);
        TiffTiles.Corrupt(path, 5); // level-0 tile (1, 1) of a 4 x 4 grid: pixels 128..255
        using var osl = new OpenSlideFile(path);
        using var vips = new TiffSlide(path);
        foreach (ISlide s in new ISlide[] { osl, vips })
        {
            var e = Assert.Throws<SlideRegionException>(() => s.ReadRegion(130, 140, 0, 64, 64));
            Assert.Equal("broken", e.SlideId);
            Assert.Equal((130L, 140L), (e.X, e.Y));
            Assert.Contains("x=130 y=140", e.Message);
            // Other regions, before and after, still read.
            var ok = s.ReadRegion(300, 300, 0, 64, 64);
            Assert.Equal(64 * 64 * 3, ok.Pixels.Length);
            Assert.Throws<SlideRegionException>(() => s.ReadRegion(200, 200, 0, 16, 16));
            Assert.True(TestImages.Diff(ok, s.ReadRegion(300, 300, 0, 64, 64)).Max == 0);
        }
    }


    [Fact]
    public void Concurrent_reads_blame_a_corrupt_tile_only_on_its_own_regions()
    {
        // OpenSlide's error state is per handle, shared by the threads reading through it: while two threads read the
        // damaged tile, a third thread's sound region must still read (a retry on a handle another damaged read has
        // just poisoned once failed it; seen in CI as tiles far from the damage reported with the damaged tile's error).
        using var dir = new TestImages.TempDir();
        var path = TiffTiles.BrokenSlide(dir); // level-0 pixels 0..63 x 0..63 damaged
        using var osl = new OpenSlideFile(path);
        var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            bool damaged = i % 2 == 0;
            long x = damaged ? 8 : 64 + i % 4 * 32, y = damaged ? 8 : 64 + i / 4 % 4 * 32;
            try
            {
                osl.ReadRegion(x, y, 0, 32, 32);
                if (damaged) wrong.Enqueue($"({x},{y}) read although its tile is damaged");
            }
            catch (SlideRegionException e)
            {
                if (!damaged) wrong.Enqueue($"({x},{y}): {e.Message}");
            }
        });
        Assert.True(wrong.IsEmpty, $"{wrong.Count} of 4000 reads misreported, e.g. {wrong.FirstOrDefault()}");
    }
    [Fact]
    public void Image_slide_levels_halve_and_regions_use_level0_coordinates()
    {
        var img = TestImages.Mirrored(400, 300);
        using var s = new ImageSlide(img, 0.25, levels: 3);
        Assert.Equal(new[] { (400L, 300L), (200L, 150L), (100L, 75L) }, s.LevelDimensions);
        Assert.Equal(new[] { 1.0, 2.0, 4.0 }, s.LevelDownsamples);
        Assert.Equal(0, TestImages.Diff(img.Crop(40, 60, 10, 10), s.ReadRegion(40, 60, 0, 10, 10)).Max);
        Assert.Equal(0, TestImages.Diff(s.ReadRegion(80, 40, 1, 5, 5), s.ReadRegion(80, 40, 1, 5, 5)).Max);
    }

    [Fact]
    public void Premultiplied_argb_is_composited_over_white()
    {
        // Opaque red; fully transparent; half-transparent premultiplied (a=128, r=64): 64 + 127 = 191 over white.
        uint[] argb = [0xFFFF0000u, 0x00000000u, 0x80400000u];
        var rgb = OpenSlideFile.ToRgbOverWhite(argb, 3, 1);
        Assert.Equal(new byte[] { 255, 0, 0, 255, 255, 255, 191, 127, 127 }, rgb.Pixels);
    }

    [Fact]
    public void Generic_tiff_mpp_comes_from_its_resolution_tags_in_both_readers()
    {
        // A pyramidal TIFF with resolution tags but no Aperio description: OpenSlide 3.4 calls it generic-tiff and
        // reports no openslide.mpp-x, so both readers must read the tags themselves (4000 px/cm = 2.5 µm/px).
        using var dir = new TestImages.TempDir();
        var path = dir.File("generic.tiff");
        using (var img = TestImages.Mirrored(300, 200).ToVips())
            img.Tiffsave(path, compression: NetVips.Enums.ForeignTiffCompression.Jpeg, tile: true, tileWidth: 64, tileHeight: 64,
                pyramid: true, resunit: NetVips.Enums.ForeignTiffResunit.Cm, xres: 400, yres: 400);
        using var osl = new OpenSlideFile(path);
        using var vips = new TiffSlide(path);
        Assert.Equal("generic-tiff", osl.Vendor);
        Assert.Equal(2.5, osl.MicronsPerPixel!.Value, 9);
        Assert.Equal(2.5, vips.MicronsPerPixel!.Value, 9);
        // libvips' placeholder resolution (1 px/mm, written when nothing is known): no MPP, regions at an MPP need an override.
        var bare = dir.File("bare.tiff");
        using (var img = TestImages.Mirrored(300, 200).ToVips())
            img.Tiffsave(bare, compression: NetVips.Enums.ForeignTiffCompression.Jpeg, tile: true, tileWidth: 64, tileHeight: 64, pyramid: true);
        using var bareVips = new TiffSlide(bare);
        using var bareOsl = new OpenSlideFile(bare);
        Assert.Null(bareOsl.MicronsPerPixel);
        Assert.Null(bareVips.MicronsPerPixel);
        Assert.Throws<MissingMppException>(() => bareVips.ReadRegionAtMpp(0, 0, 16, 1.0));
    }
}
