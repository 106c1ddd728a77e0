using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

/// <summary>Procedurally made test slides with the real IHC image as texture, and their known tissue masks.</summary>
internal static class TestImages
{
    private static readonly Lazy<RgbImage> IhcImage = new(() => VipsImaging.LoadRgb(TestSetup.Fixture("slides", "ihc.png")));

    /// <summary>The real 512 x 512 IHC image.</summary>
    public static RgbImage Ihc => IhcImage.Value;

    private static readonly Lazy<RgbImage> TissueOnly = new(() => Ihc.Crop(140, 20, 280, 350));

    /// <summary>The IHC image mirrored periodically (no seams) to any size.</summary>
    /// <param name="width">Width.</param>
    /// <param name="height">Height.</param>
    /// <param name="tissueOnly">Use only the part of the image right of its glass and above the pale lumen at the lower right (x 140..420, y 20..370).</param>
    public static RgbImage Mirrored(int width, int height, bool tissueOnly = false)
    {
        var src = tissueOnly ? TissueOnly.Value : Ihc;
        var px = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int sy = Mirror(y, src.Height);
            for (int x = 0; x < width; x++)
            {
                int sx = Mirror(x, src.Width);
                Buffer.BlockCopy(src.Pixels, (sy * src.Width + sx) * 3, px, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, px);
    }

    private static int Mirror(int i, int n)
    {
        int p = i % (2 * n);
        return p < n ? p : 2 * n - 1 - p;
    }

    /// <summary>
    /// Glass (near-white with scanner noise) with elliptical tissue pieces cut from the mirrored IHC image; returns the
    /// image and the exact mask (true = tissue). Deterministic for a seed.
    /// </summary>
    public static (RgbImage Image, bool[] Mask) Blobs(int width, int height, int count, int seed)
    {
        var rng = new Random(seed);
        var tissue = Mirrored(width, height, tissueOnly: true);
        var px = new byte[width * height * 3];
        for (int i = 0; i < px.Length; i += 3)
        {
            int n = rng.Next(-4, 5);
            px[i] = (byte)(243 + n); px[i + 1] = (byte)(241 + n); px[i + 2] = (byte)(238 + n);
        }
        var mask = new bool[width * height];
        for (int b = 0; b < count; b++)
        {
            double cx = rng.NextDouble() * width, cy = rng.NextDouble() * height;
            double rx = (0.08 + 0.12 * rng.NextDouble()) * width, ry = (0.08 + 0.12 * rng.NextDouble()) * height;
            double th = rng.NextDouble() * Math.PI;
            double c = Math.Cos(th), s = Math.Sin(th);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                    double u = (dx * c + dy * s) / rx, v = (-dx * s + dy * c) / ry;
                    if (u * u + v * v <= 1) mask[y * width + x] = true;
                }
        }
        for (int i = 0; i < mask.Length; i++)
            if (mask[i]) Buffer.BlockCopy(tissue.Pixels, i * 3, px, i * 3, 3);
        return (new RgbImage(width, height, px), mask);
    }

    /// <summary>A temporary folder removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("vptsurv-slides-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }

    /// <summary>Mean and maximum absolute difference of two images of the same size, and the fraction above 32.</summary>
    public static (double Mean, int Max, double Above32) Diff(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long sum = 0; int max = 0; long above = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            int d = Math.Abs(a.Pixels[i] - b.Pixels[i]);
            sum += d; if (d > max) max = d; if (d > 32) above++;
        }
        return (sum / (double)a.Pixels.Length, max, above / (double)a.Pixels.Length);
    }
}
