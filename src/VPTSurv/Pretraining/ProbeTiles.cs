using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Pretraining;

/// <summary>
/// Labelled tiles for judging frozen features: random regions of synthetic slides (outside every cohort and, with
/// another seed, outside the pretraining pool), each with rendered properties measured on the tile itself:
/// <see cref="TissueFraction"/> from the renderer's ground-truth tissue mask and <see cref="DabFraction"/>, the share
/// of pixels whose DAB optical density (colour deconvolution) marks a DAB-positive cell, a per-tile density of
/// marked cells. Half the tiles are mostly tissue and half mostly background.
/// </summary>
/// <param name="Tiles">RGB tiles, T × T.</param>
/// <param name="TissueFraction">Share of each tile's pixels on tissue (ground truth).</param>
/// <param name="DabFraction">Share of each tile's pixels with DAB OD above <see cref="DabThreshold"/>.</param>
/// <param name="SlideIndex">Which probe slide each tile came from (for splitting by slide).</param>
public sealed record ProbeTiles(IReadOnlyList<RgbImage> Tiles, double[] TissueFraction, double[] DabFraction, int[] SlideIndex)
{
    /// <summary>DAB optical density above which a pixel counts as DAB-positive (marked cells reach 0.4–1.0; stroma stays below 0.05).</summary>
    public const double DabThreshold = 0.25;

    /// <summary>Number of tiles.</summary>
    public int Count => Tiles.Count;

    /// <summary>
    /// Draws <paramref name="tilesPerSlide"/> tiles (half tissue ≥ 0.5, half below) from each of
    /// <paramref name="slides"/> synthetic pretraining slides made with <paramref name="seed"/>.
    /// </summary>
    public static ProbeTiles Draw(int slides, int tilesPerSlide, int tileSize, double micronsPerPixel, ulong seed)
    {
        if (slides <= 0 || tilesPerSlide <= 1 || tilesPerSlide % 2 != 0)
            throw new ArgumentException($"Need slides > 0 and an even tilesPerSlide > 1, got {slides} and {tilesPerSlide}.");
        var made = SyntheticPretrainingSlides.Create(slides, seed);
        var tiles = new RgbImage[slides * tilesPerSlide];
        var tissue = new double[tiles.Length];
        var dab = new double[tiles.Length];
        var slideIndex = new int[tiles.Length];
        Parallel.For(0, slides, s =>
        {
            var slide = made[s];
            var rng = new SeededRandom(PointHash.Key(seed, 0x50524F4245UL + (ulong)s));
            double factor = micronsPerPixel / slide.MicronsPerPixel!.Value;
            int level = slide.BestLevelForDownsample(factor);
            if (Math.Abs(slide.LevelDownsamples[level] - factor) > 1e-6)
                throw new ArgumentException($"Probe tiles need a resolution that is a pyramid level of the synthetic slides; {micronsPerPixel} µm/px is not.");
            double span = tileSize * factor;
            var (w, h) = slide.LevelDimensions[0];
            int half = tilesPerSlide / 2, withTissue = 0, without = 0, tries = 0;
            while (withTissue < half || without < half)
            {
                if (++tries > 400 * tilesPerSlide)
                    throw new InvalidOperationException($"Probe slide '{slide.Id}': could not find {half} tissue and {half} background tiles.");
                long x = (long)(rng.NextDouble() * (w - span)), y = (long)(rng.NextDouble() * (h - span));
                var mask = slide.TrueTissueMask(x, y, level, tileSize, tileSize);
                double fraction = mask.Count(m => m) / (double)mask.Length;
                bool isTissue = fraction >= 0.5;
                if (isTissue ? withTissue >= half : without >= half) continue;
                int i = s * tilesPerSlide + withTissue + without;
                if (isTissue) withTissue++; else without++;
                tiles[i] = slide.ReadRegion(x, y, level, tileSize, tileSize);
                tissue[i] = fraction;
                var stains = StainDeconvolution.Deconvolve(tiles[i]);
                dab[i] = stains.Dab.Count(v => v > DabThreshold) / (double)stains.Dab.Length;
                slideIndex[i] = s;
            }
        });
        return new ProbeTiles(tiles, tissue, dab, slideIndex);
    }
}
