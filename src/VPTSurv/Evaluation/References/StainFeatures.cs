using VPTSurv.Pretraining;
using VPTSurv.Slides;

namespace VPTSurv.Evaluation.References;

/// <summary>
/// Hand-made stain and cell-density features of H-DAB tiles, from colour deconvolution
/// (<see cref="StainDeconvolution"/>, Ruifrok–Johnston vectors): what a pathologist's image-analysis script would
/// measure before any deep model. Per tile, over its tissue pixels: mean hematoxylin and DAB optical density, the share
/// of DAB-positive pixels (DAB OD &gt; <see cref="ProbeTiles.DabThreshold"/>, the area of marked cells) and of
/// hematoxylin-dense pixels (hematoxylin OD &gt; <see cref="NucleusThreshold"/>, the area of nuclei: cell density), and the
/// tile's tissue fraction. A slide's features are the means over its tiles, plus the spread (SD) of the DAB-positive
/// share over tiles (marked cells gathered in a few places versus spread through the tissue).
/// </summary>
public static class StainFeatures
{
    /// <summary>Mean optical density over R, G, B above which a pixel counts as tissue (glass stays below ~0.03).</summary>
    public const double TissueOd = 0.08;

    /// <summary>Hematoxylin optical density above which a pixel counts as nuclear.</summary>
    public const double NucleusThreshold = 0.5;

    /// <summary>Names of the per-slide features, in the order of <see cref="OfSlide"/>.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["tissue_fraction", "hematoxylin_od", "dab_od", "dab_positive_fraction", "nuclear_fraction", "dab_positive_fraction_sd"];

    /// <summary>Per-tile features: tissue fraction, mean H OD, mean DAB OD, DAB-positive share, nuclear share (the last four over tissue pixels; 0 without tissue).</summary>
    public static double[] OfTile(RgbImage tile)
    {
        var c = StainDeconvolution.Deconvolve(tile);
        int n = tile.Width * tile.Height, tissue = 0, dabPos = 0, nuclear = 0;
        double h = 0, d = 0;
        for (int p = 0; p < n; p++)
        {
            double od = (StainDeconvolution.OpticalDensity(tile.Pixels[3 * p]) + StainDeconvolution.OpticalDensity(tile.Pixels[3 * p + 1])
                         + StainDeconvolution.OpticalDensity(tile.Pixels[3 * p + 2])) / 3;
            if (od <= TissueOd) continue;
            tissue++;
            h += c.Hematoxylin[p];
            d += c.Dab[p];
            if (c.Dab[p] > ProbeTiles.DabThreshold) dabPos++;
            if (c.Hematoxylin[p] > NucleusThreshold) nuclear++;
        }
        double t = Math.Max(tissue, 1);
        return [tissue / (double)n, h / t, d / t, dabPos / t, nuclear / t];
    }

    /// <summary>Per-slide features (<see cref="Names"/>) of its tiles, given as (N, 3, T, T) uint8 bytes, channel-planar.</summary>
    public static double[] OfSlide(byte[] planarTiles, int count, int tileSize)
    {
        ArgumentNullException.ThrowIfNull(planarTiles);
        int plane = tileSize * tileSize;
        if (count < 1 || planarTiles.Length != (long)count * 3 * plane)
            throw new ArgumentException($"expected {count} tiles of 3 x {tileSize} x {tileSize} bytes ({(long)count * 3 * plane}); got {planarTiles.Length}.", nameof(planarTiles));
        var perTile = new double[count][];
        for (int k = 0; k < count; k++)
        {
            var rgb = new byte[3 * plane];
            int offset = k * 3 * plane;
            for (int p = 0; p < plane; p++)
                for (int ch = 0; ch < 3; ch++)
                    rgb[3 * p + ch] = planarTiles[offset + ch * plane + p];
            perTile[k] = OfTile(new RgbImage(tileSize, tileSize, rgb));
        }
        var mean = Enumerable.Range(0, 5).Select(j => perTile.Average(f => f[j])).ToArray();
        double sd = count < 2 ? 0 : Math.Sqrt(perTile.Sum(f => (f[3] - mean[3]) * (f[3] - mean[3])) / (count - 1));
        return [.. mean, sd];
    }
}
