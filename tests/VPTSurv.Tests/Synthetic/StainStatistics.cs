using NetVips;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Synthetic;

/// <summary>Percentiles of deconvolved stain amounts over the stained pixels of images.</summary>
internal static class StainStatistics
{
    public static RgbImage ReadPng(string path)
    {
        using var img = Image.NewFromFile(path);
        using var rgb = img.Bands >= 3 ? img.ExtractBand(0, 3) : throw new InvalidDataException($"{path}: expected RGB, has {img.Bands} band(s)");
        using var u8 = rgb.Cast(Enums.BandFormat.Uchar);
        return new RgbImage(u8.Width, u8.Height, u8.WriteToMemory<byte>());
    }

    /// <summary>Hematoxylin amounts of pixels on tissue (total OD above <paramref name="minTotal"/>), and DAB amounts
    /// of DAB-positive pixels (DAB above <paramref name="dabPositive"/>), sorted.</summary>
    public static (double[] Hema, double[] DabPositive) Collect(IEnumerable<RgbImage> images, double minTotal = 0.15, double dabPositive = 0.15)
    {
        var h = new List<double>();
        var d = new List<double>();
        foreach (var img in images)
        {
            var c = StainDeconvolution.Deconvolve(img);
            for (int p = 0; p < c.Hematoxylin.Length; p++)
            {
                double total = StainDeconvolution.OpticalDensity(img.Pixels[3 * p]) + StainDeconvolution.OpticalDensity(img.Pixels[3 * p + 1])
                    + StainDeconvolution.OpticalDensity(img.Pixels[3 * p + 2]);
                if (total > minTotal) h.Add(c.Hematoxylin[p]);
                if (c.Dab[p] > dabPositive) d.Add(c.Dab[p]);
            }
        }
        h.Sort();
        d.Sort();
        return ([.. h], [.. d]);
    }

    public static double Percentile(double[] sorted, double q) => sorted[(int)Math.Clamp(Math.Round(q / 100 * (sorted.Length - 1)), 0, sorted.Length - 1)];
}
