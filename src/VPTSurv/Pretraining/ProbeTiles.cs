using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Pretraining;

/// <summary>
/// Labelled tiles for judging frozen features: random regions of synthetic slides (outside every cohort and, with
/// another seed, outside the pretraining pool), each with rendered properties taken from the renderer's ground truth
/// (compartments and the cells it stamped) or measured on the tile's pixels (<see cref="DabFraction"/>). A third of
/// each slide's tiles lie inside tissue (≥ 95 % tissue), a third on its boundary (5–95 %), a third on glass (&lt; 5 %).
/// </summary>
/// <param name="Tiles">RGB tiles, T × T.</param>
/// <param name="TissueFraction">Share of each tile's pixels on tissue (ground truth).</param>
/// <param name="DabFraction">Share of each tile's pixels with DAB OD above <see cref="DabThreshold"/> (colour deconvolution): the area of DAB-positive cells.</param>
/// <param name="SlideIndex">Which probe slide each tile came from (for splitting by slide).</param>
/// <param name="MarkedCells">DAB-positive cells (marked lymphocytes and CD4's marked macrophages) whose centre lies in the tile (ground truth).</param>
/// <param name="Nuclei">All nuclei (tumour, fibroblast, inflammatory, marked cells) whose centre lies in the tile (ground truth).</param>
/// <param name="TumourNuclei">Tumour nuclei whose centre lies in the tile (ground truth).</param>
/// <param name="TumourNucleusArea">Mean area (µm²) of the tile's tumour nuclei as stamped, NaN without any (ground truth; grows with grade).</param>
/// <param name="EpitheliumFraction">Share of the tile's pixels on tumour epithelium (ground truth).</param>
public sealed record ProbeTiles(
    IReadOnlyList<RgbImage> Tiles, double[] TissueFraction, double[] DabFraction, int[] SlideIndex,
    int[] MarkedCells, int[] Nuclei, int[] TumourNuclei, double[] TumourNucleusArea, double[] EpitheliumFraction)
{
    /// <summary>DAB optical density above which a pixel counts as DAB-positive (marked cells reach 0.4–1.0; stroma stays below 0.05).</summary>
    public const double DabThreshold = 0.25;

    /// <summary>Number of tiles.</summary>
    public int Count => Tiles.Count;

    /// <summary>
    /// Draws <paramref name="tilesPerSlide"/> tiles (a third each inside tissue, on its boundary and on glass) from each
    /// of <paramref name="slides"/> synthetic pretraining slides made with <paramref name="seed"/>.
    /// </summary>
    public static ProbeTiles Draw(int slides, int tilesPerSlide, int tileSize, double micronsPerPixel, ulong seed)
    {
        if (slides <= 0 || tilesPerSlide < 3 || tilesPerSlide % 3 != 0)
            throw new ArgumentException($"Need slides > 0 and tilesPerSlide a positive multiple of 3, got {slides} and {tilesPerSlide}.");
        var made = SyntheticPretrainingSlides.Create(slides, seed);
        int n = slides * tilesPerSlide;
        var tiles = new RgbImage[n];
        var tissue = new double[n];
        var dab = new double[n];
        var slideIndex = new int[n];
        var marked = new int[n];
        var nuclei = new int[n];
        var tumour = new int[n];
        var tumourArea = new double[n];
        var epithelium = new double[n];
        Parallel.For(0, slides, s =>
        {
            var slide = made[s];
            var renderer = SyntheticRenderer.For(slide);
            var rng = new SeededRandom(PointHash.Key(seed, 0x50524F4245UL + (ulong)s));
            double factor = micronsPerPixel / slide.MicronsPerPixel!.Value;
            int level = slide.BestLevelForDownsample(factor);
            if (Math.Abs(slide.LevelDownsamples[level] - factor) > 1e-6)
                throw new ArgumentException($"Probe tiles need a resolution that is a pyramid level of the synthetic slides; {micronsPerPixel} µm/px is not.");
            long ds = (long)slide.LevelDownsamples[level];
            double span = tileSize * factor;
            double pixelArea = slide.MicronsPerPixel.Value * slide.MicronsPerPixel.Value; // µm² per level-0 px²
            var (w, h) = slide.LevelDimensions[0];
            int third = tilesPerSlide / 3, tries = 0;
            var filled = new int[3]; // inside, boundary, glass
            while (filled[0] < third || filled[1] < third || filled[2] < third)
            {
                if (++tries > 400 * tilesPerSlide)
                    throw new InvalidOperationException($"Probe slide '{slide.Id}': could not find {third} tiles each inside tissue, on its boundary and on glass (found {string.Join("/", filled)}).");
                long x = (long)(rng.NextDouble() * (w - span)), y = (long)(rng.NextDouble() * (h - span));
                var (fraction, epi) = renderer.CompartmentShares(x, y, ds, tileSize, tileSize);
                int stratum = fraction >= 0.95 ? 0 : fraction >= 0.05 ? 1 : 2;
                if (filled[stratum] >= third) continue;
                int i = s * tilesPerSlide + filled[0] + filled[1] + filled[2];
                filled[stratum]++;
                tiles[i] = slide.ReadRegion(x, y, level, tileSize, tileSize);
                tissue[i] = fraction;
                epithelium[i] = epi;
                var stains = StainDeconvolution.Deconvolve(tiles[i]);
                dab[i] = stains.Dab.Count(v => v > DabThreshold) / (double)stains.Dab.Length;
                var cells = renderer.Cells(x, y, x + span, y + span);
                marked[i] = cells.Count(c => c.Kind is CellKind.MarkedLymphocyte or CellKind.MarkedMacrophage);
                nuclei[i] = cells.Count;
                var tumourCells = cells.Where(c => c.Kind == CellKind.TumourNucleus).ToList();
                tumour[i] = tumourCells.Count;
                tumourArea[i] = tumourCells.Count == 0 ? double.NaN : tumourCells.Average(c => c.NucleusArea) * pixelArea;
                slideIndex[i] = s;
            }
        });
        return new ProbeTiles(tiles, tissue, dab, slideIndex, marked, nuclei, tumour, tumourArea, epithelium);
    }
}
