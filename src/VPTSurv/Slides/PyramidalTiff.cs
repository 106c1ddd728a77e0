using System.Globalization;
using NetVips;
using VPTSurv.Runtime;

namespace VPTSurv.Slides;

/// <summary>Writes slides as pyramidal tiled JPEG TIFF files that OpenSlide, libvips and python3-openslide read.</summary>
public static class PyramidalTiff
{
    /// <summary>
    /// Writes level 0 of <paramref name="source"/> as a tiled JPEG TIFF with a pyramid of halved levels (until one
    /// level fits in a tile), resolution tags in pixels per centimetre, and an Aperio-style ImageDescription
    /// (<c>Aperio Image Library … |MPP = …</c>) — the convention from which OpenSlide 3.4 reports
    /// <c>openslide.mpp-x</c>, since its generic-TIFF reader ignores resolution tags. Level 0 is streamed through a
    /// memory-mapped raw temporary file, so memory stays small whatever the slide size. The TIFF is written under a
    /// temporary name and renamed.
    /// </summary>
    /// <param name="source">The slide to write (its level 0).</param>
    /// <param name="path">Destination .tif/.tiff/.svs path.</param>
    /// <param name="tileSize">TIFF tile side (a multiple of 16).</param>
    /// <param name="jpegQuality">JPEG quality 1..100.</param>
    /// <param name="micronsPerPixel">Level-0 MPP to record; defaults to the source's (required one way or the other).</param>
    /// <param name="overwrite">Replace an existing file; by default an existing file is never overwritten.</param>
    /// <param name="bandRows">Rows read from the source per request while streaming.</param>
    public static void Write(ISlide source, string path, int tileSize = 256, int jpegQuality = 90, double? micronsPerPixel = null,
        bool overwrite = false, int bandRows = 1024)
    {
        if (tileSize < 16 || tileSize % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(tileSize), $"TIFF tile size must be a positive multiple of 16, got {tileSize}");
        ArgumentOutOfRangeException.ThrowIfLessThan(jpegQuality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jpegQuality, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(bandRows, 1);
        VipsImaging.EnsureAvailable();
        double mpp = source.ResolveMpp(micronsPerPixel);
        var (w64, h64) = source.LevelDimensions[0];
        if (w64 > int.MaxValue || h64 > int.MaxValue)
            throw new ArgumentException($"slide '{source.Id}' is {w64}x{h64}; libvips images are limited to {int.MaxValue} pixels a side");
        int width = (int)w64, height = (int)h64;

        var raw = AtomicFile.TempPathFor(path + ".raw");
        try
        {
            using (var fs = new FileStream(raw, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                int colChunk = Math.Max(1, (int)Math.Min(width, (64L << 20) / 3 / bandRows));
                for (int y = 0; y < height; y += bandRows)
                {
                    int rows = Math.Min(bandRows, height - y);
                    if (colChunk >= width)
                    {
                        fs.Write(source.ReadRegion(0, y, 0, width, rows).Pixels);
                        continue;
                    }
                    // Wide slides: read the band in column chunks and interleave them row by row.
                    var band = new byte[(long)width * rows * 3];
                    for (int x = 0; x < width; x += colChunk)
                    {
                        int cols = Math.Min(colChunk, width - x);
                        var part = source.ReadRegion(x, y, 0, cols, rows);
                        for (int r = 0; r < rows; r++)
                            Buffer.BlockCopy(part.Pixels, r * cols * 3, band, (r * width + x) * 3, cols * 3);
                    }
                    fs.Write(band);
                }
            }
            using var loaded = Image.Rawload(raw, width, height, 3);
            using var rgb = loaded.Copy(interpretation: Enums.Interpretation.Srgb);
            using var described = rgb.Mutate(m => m.Set(GValue.GStrType, "image-description", AperioDescription(width, height, tileSize, jpegQuality, mpp)));
            double pxPerMm = 1000.0 / mpp;
            bool big = (long)width * height * 3 > (3L << 30);
            AtomicFile.Write(path, tmp => described.Tiffsave(tmp, compression: Enums.ForeignTiffCompression.Jpeg, q: jpegQuality,
                tile: true, tileWidth: tileSize, tileHeight: tileSize, pyramid: true,
                resunit: Enums.ForeignTiffResunit.Cm, xres: pxPerMm, yres: pxPerMm, bigtiff: big), overwrite);
        }
        finally
        {
            if (File.Exists(raw)) File.Delete(raw);
        }
    }

    /// <summary>The Aperio ImageDescription OpenSlide parses for MPP (<c>aperio.MPP</c> -> <c>openslide.mpp-x</c>).</summary>
    internal static string AperioDescription(int width, int height, int tileSize, int quality, double mpp) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Aperio Image Library VPTSurv.NET\r\n{width}x{height} [0,0 {width}x{height}] ({tileSize}x{tileSize}) JPEG/RGB Q={quality}|MPP = {mpp:R}|AppMag = {10.0 / mpp:0.##}");
}
