namespace VPTSurv.Slides;

/// <summary>An RGB image in row-major HWC byte layout (R, G, B per pixel).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Pixels">Width * Height * 3 bytes.</param>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    /// <summary>A blank (white) image.</summary>
    public static RgbImage White(int width, int height)
    {
        var px = new byte[checked(width * height * 3)];
        Array.Fill(px, (byte)255);
        return new RgbImage(width, height, px);
    }
}

/// <summary>
/// A whole-slide image: a pyramid of levels, level 0 the finest. Coordinates passed to <see cref="ReadRegion"/> are in
/// level-0 pixels, as in OpenSlide.
/// </summary>
public interface ISlide : IDisposable
{
    /// <summary>Identifier (the manifest's slide id, or the file name).</summary>
    string Id { get; }

    /// <summary>Where the slide comes from: a file path or a synthetic spec.</summary>
    string Source { get; }

    /// <summary>What reads the pixels, for cache keys (a new renderer or reader version makes new keys): the reader's
    /// type name unless the slide says otherwise.</summary>
    string ReaderName => GetType().Name;

    /// <summary>(width, height) of each level, finest first.</summary>
    IReadOnlyList<(long Width, long Height)> LevelDimensions { get; }

    /// <summary>Downsample factor of each level relative to level 0.</summary>
    IReadOnlyList<double> LevelDownsamples { get; }

    /// <summary>Microns per pixel at level 0, or null when the file does not say.</summary>
    double? MicronsPerPixel { get; }

    /// <summary>Reads a region of <paramref name="width"/> x <paramref name="height"/> pixels of <paramref name="level"/>,
    /// whose top-left corner is (<paramref name="x"/>, <paramref name="y"/>) in level-0 pixels. Outside the slide reads white.</summary>
    RgbImage ReadRegion(long x, long y, int level, int width, int height);
}
