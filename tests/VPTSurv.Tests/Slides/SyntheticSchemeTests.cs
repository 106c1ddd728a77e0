using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Slides;

public class SyntheticSchemeTests
{
    [Fact]
    public void Slide_source_opens_a_manifest_synthetic_spec_as_the_same_slide()
    {
        // Manifests store synthetic slides as spec strings; SlideSource must open them without registration by the caller.
        var cohort = ManifestReader.Read(Path.Combine(VPTSurv.Tests.Synthetic.RepoPaths.DataManifests, "synthetic-cd4.csv"));
        var record = cohort.Slides.First();
        using var viaSource = SlideSource.Open(record.Source);
        using var direct = SyntheticSlide.FromSpec(record.Source);
        Assert.IsType<SyntheticSlide>(viaSource);
        Assert.Equal(direct.LevelDimensions, viaSource.LevelDimensions);
        var a = viaSource.ReadRegion(1000, 1000, 0, 64, 64);
        var b = direct.ReadRegion(1000, 1000, 0, 64, 64);
        Assert.Equal(b.Pixels, a.Pixels);
    }
}

public class SyntheticTiffTests
{
    [Theory]
    [InlineData("synthetic:v1;seed=123;stain=CD8;immune=0.7;infiltration=0.2;grade=0.5;architecture=0.3")]
    [InlineData("synthetic:v1;seed=9001;stain=CD4;immune=0.2;infiltration=0.8;grade=0.9;architecture=0.7")]
    public void Synthetic_slide_written_as_pyramidal_jpeg_tiff_reads_back_through_both_readers(string spec)
    {
        // A 1536 x 1024 level-0 crop of a rendered synthetic slide becomes a real pyramidal JPEG TIFF; OpenSlide and
        // libvips must report its levels and 0.5 um/px and return the rendered pixels within JPEG tolerance (the
        // tolerances of PyramidalTiffTests: mean |diff| < 3, max <= 24 grey levels).
        using var synthetic = SyntheticSlide.FromSpec(spec);
        Assert.Equal(0.5, synthetic.MicronsPerPixel!.Value, 9);
        var crop = synthetic.ReadRegion(1024, 1024, 0, 1536, 1024);
        using var source = new ImageSlide(crop, synthetic.MicronsPerPixel, "synthetic-crop");
        using var dir = new TestImages.TempDir();
        var path = dir.File("synthetic.tiff");
        PyramidalTiff.Write(source, path, tileSize: 256, jpegQuality: 90);

        using var vips = new TiffSlide(path);
        using var osl = new OpenSlideFile(path);
        Assert.Equal((1536L, 1024L), vips.LevelDimensions[0]);
        Assert.True(vips.LevelDimensions.Count > 1, "the file must be a pyramid");
        Assert.Equal(vips.LevelDimensions, osl.LevelDimensions);
        Assert.Equal(0.5, vips.MicronsPerPixel!.Value, 6);
        Assert.Equal(0.5, osl.MicronsPerPixel!.Value, 6);
        foreach (var (x, y) in new[] { (0L, 0L), (640L, 384L), (1280L, 768L) })
        {
            var want = source.ReadRegion(x, y, 0, 256, 256);
            foreach (ISlide reader in new ISlide[] { vips, osl })
            {
                var d = TestImages.Diff(want, reader.ReadRegion(x, y, 0, 256, 256));
                Assert.True(d.Mean < 3.0, $"{reader.GetType().Name}: mean |diff| {d.Mean:F2} at ({x},{y})");
                Assert.True(d.Max <= 24, $"{reader.GetType().Name}: max |diff| {d.Max} at ({x},{y})");
            }
        }
    }
}
