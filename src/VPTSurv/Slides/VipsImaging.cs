using NetVips;
using VPTSurv.Runtime;

namespace VPTSurv.Slides;

/// <summary>
/// Conversions between <see cref="RgbImage"/> and libvips images, and resizing through libvips. libvips is a native
/// library: the system's (<c>libvips42</c> on Debian/Ubuntu, <c>vips</c> on Homebrew) is used when present, or the
/// application references a bundled build (<c>NetVips.Native.linux-x64</c> and siblings); <see cref="EnsureAvailable"/>
/// says which is missing.
/// </summary>
public static class VipsImaging
{
    private static readonly double[] White = [255, 255, 255];

    /// <summary>
    /// Throws <see cref="DllNotFoundException"/> with the command that installs libvips unless NetVips could load and
    /// initialise it (from the application's folder, a NetVips.Native package, or the system library path).
    /// </summary>
    public static void EnsureAvailable()
    {
        if (NetVips.ModuleInitializer.VipsInitialized) return;
        throw new DllNotFoundException(MissingLibvipsMessage(NetVips.ModuleInitializer.Exception?.Message), NetVips.ModuleInitializer.Exception);
    }

    internal static string MissingLibvipsMessage(string? cause)
    {
        string fix = OperatingSystem.IsLinux()
            ? "install the system library (Debian/Ubuntu: `sudo apt-get install libvips42`) or add the bundled one to the application: `dotnet add package NetVips.Native.linux-x64`"
            : OperatingSystem.IsMacOS()
                ? "install it (`brew install vips`) or add the bundled one to the application: `dotnet add package NetVips.Native.osx-arm64` (osx-x64 on Intel)"
                : "add the bundled build to the application: `dotnet add package NetVips.Native.win-x64`";
        return "libvips could not be loaded: VPTSurv reads TIFF slides, resizes regions and writes PNGs with libvips (8.10 or newer). " +
            $"To fix it, {fix} (in a notebook: #r \"nuget: NetVips.Native.linux-x64\")." +
            (string.IsNullOrWhiteSpace(cause) ? "" : $" NetVips said: {cause.Trim()}");
    }

    /// <summary>A libvips image over a copy-free view of <paramref name="image"/>'s pixels (3 bands, uchar, sRGB).</summary>
    public static Image ToVips(this RgbImage image)
    {
        ValidateShape(image);
        EnsureAvailable();
        return Image.NewFromMemory(image.Pixels, image.Width, image.Height, 3, Enums.BandFormat.Uchar);
    }

    /// <summary>Renders a libvips image as RGB bytes: alpha flattened over white, grey expanded to three bands.</summary>
    public static RgbImage ToRgbImage(this Image image)
    {
        Image? flat = null, rgb = null, cast = null;
        try
        {
            var cur = image;
            if (cur.HasAlpha())
                cur = flat = cur.Flatten(background: White);
            if (cur.Bands == 1)
                cur = rgb = cur.Bandjoin(cur, cur);
            else if (cur.Bands > 3)
                cur = rgb = cur.ExtractBand(0, n: 3);
            if (cur.Format != Enums.BandFormat.Uchar)
                cur = cast = cur.Cast(Enums.BandFormat.Uchar);
            var bytes = cur.WriteToMemory<byte>();
            return new RgbImage(cur.Width, cur.Height, bytes);
        }
        finally
        {
            cast?.Dispose();
            rgb?.Dispose();
            flat?.Dispose();
        }
    }

    /// <summary>Resizes to exactly <paramref name="width"/> x <paramref name="height"/> (libvips' resize: box shrink
    /// then a Lanczos-3 reduce when shrinking, so downsampling does not alias).</summary>
    public static RgbImage Resize(this RgbImage image, int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"target size must be positive, got {width}x{height}");
        if (image.Width == width && image.Height == height)
            return image;
        using var src = image.ToVips();
        using var resized = src.Resize((double)width / image.Width, vscale: (double)height / image.Height);
        // Rounding inside libvips may leave one pixel too many or too few: crop, then pad by copying the edge.
        using var fitted = resized.Width == width && resized.Height == height
            ? resized.Copy()
            : resized.Crop(0, 0, Math.Min(width, resized.Width), Math.Min(height, resized.Height))
                .Embed(0, 0, width, height, extend: Enums.Extend.Copy);
        return fitted.ToRgbImage();
    }

    /// <summary>The sub-image with top-left (x, y) and the given size; parts outside the image read white.</summary>
    public static RgbImage Crop(this RgbImage image, long x, long y, int width, int height)
    {
        ValidateShape(image);
        var px = new byte[checked(width * height * 3)];
        Array.Fill(px, (byte)255);
        long x0 = Math.Max(0, x), y0 = Math.Max(0, y);
        long x1 = Math.Min(image.Width, x + width), y1 = Math.Min(image.Height, y + height);
        if (x1 > x0)
            for (long r = y0; r < y1; r++)
                Buffer.BlockCopy(image.Pixels, (int)((r * image.Width + x0) * 3), px, (int)(((r - y) * width + (x0 - x)) * 3), (int)((x1 - x0) * 3));
        return new RgbImage(width, height, px);
    }

    /// <summary>Encodes as PNG bytes.</summary>
    public static byte[] ToPng(this RgbImage image)
    {
        using var v = image.ToVips();
        return v.PngsaveBuffer();
    }

    /// <summary>Writes a PNG atomically (temporary name, then rename).</summary>
    public static void SavePng(this RgbImage image, string path) => AtomicFile.WriteAllBytes(path, image.ToPng());

    /// <summary>Reads any image file libvips can decode (PNG, JPEG, TIFF …) as RGB.</summary>
    public static RgbImage LoadRgb(string path)
    {
        if (!File.Exists(path))
            throw new SlideFormatException(path, "file not found");
        EnsureAvailable();
        try
        {
            using var img = Image.NewFromFile(path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            return img.ToRgbImage();
        }
        catch (VipsException e)
        {
            throw new SlideFormatException(path, "not an image libvips can decode: " + e.Message.Trim(), e);
        }
    }

    internal static void ValidateShape(RgbImage image)
    {
        if (image.Width <= 0 || image.Height <= 0 || image.Pixels.Length != (long)image.Width * image.Height * 3)
            throw new ArgumentException($"RgbImage of {image.Width}x{image.Height} must have {(long)image.Width * image.Height * 3} bytes, has {image.Pixels.Length}");
    }
}
