using Xunit;
using System.Buffers.Binary;

namespace VPTSurv.Tests.Slides;

/// <summary>Reads the tile offsets and byte counts of the first IFD of a classic little-endian TIFF, to damage a tile on purpose.</summary>
internal static class TiffTiles
{
    /// <summary>A 256 x 256 pyramidal TIFF slide "broken" (0.5 µm/px, 64 px tiles) in <paramref name="dir"/> whose level-0
    /// tile 0 (pixels 0..63 x 0..63) is damaged.</summary>
    public static string BrokenSlide(TestImages.TempDir dir)
    {
        var path = dir.File("broken.tiff");
        VPTSurv.Slides.PyramidalTiff.Write(new VPTSurv.Slides.ImageSlide(TestImages.Mirrored(256, 256), 0.5, "broken"), path, tileSize: 64);
        Corrupt(path, 0);
        return path;
    }

    public static (long[] Offsets, long[] Counts) FirstIfd(string path)
    {
        var b = File.ReadAllBytes(path);
        Assert.True(b[0] == (byte)'I' && b[1] == (byte)'I' && BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(2)) == 42, "expected a classic little-endian TIFF");
        int ifd = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(ifd));
        long[]? offsets = null, counts = null;
        for (int e = 0; e < entries; e++)
        {
            int p = ifd + 2 + 12 * e;
            int tag = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p));
            int type = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p + 2));
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p + 4));
            if (tag is not (324 or 325)) continue;
            int size = type == 3 ? 2 : 4;
            int at = count * size <= 4 ? p + 8 : (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p + 8));
            var values = new long[count];
            for (int i = 0; i < count; i++)
                values[i] = size == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at + 2 * i)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 4 * i));
            if (tag == 324) offsets = values; else counts = values;
        }
        Assert.NotNull(offsets);
        Assert.NotNull(counts);
        return (offsets!, counts!);
    }

    /// <summary>Overwrites the compressed bytes of tile <paramref name="index"/> of level 0 with garbage.</summary>
    public static void Corrupt(string path, int index)
    {
        var (off, cnt) = FirstIfd(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Position = off[index];
        var junk = new byte[cnt[index]];
        for (int i = 0; i < junk.Length; i++) junk[i] = (byte)(i * 37 + 11);
        fs.Write(junk);
    }
}
