using VPTSurv.Pretraining;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Pretraining;

public class ProbeGroundTruthTests
{
    // A tumour-rich, strongly infiltrated slide (seed above every cohort seed); CD4 also stamps weakly marked macrophages.
    private static SyntheticSlide Slide(IhcStain stain) =>
        new(new SyntheticSlideSpec(SyntheticPretrainingSlides.SeedFloor + 77, stain, new LatentFactors(1.0, 0.5, 0.6, 0.5)));

    /// <summary>A size × size level-0 region that is all tissue with tumour epithelium in it.</summary>
    private static (long X, long Y) TissueRegion(SyntheticRenderer renderer, SyntheticSlide slide, int size)
    {
        var (w, h) = slide.LevelDimensions[0];
        for (long y = h / 4; y < 3 * h / 4; y += 96)
            for (long x = w / 4; x < 3 * w / 4; x += 96)
            {
                var (tissue, epithelium) = renderer.CompartmentShares(x, y, 1, size, size);
                if (tissue >= 0.99 && epithelium >= 0.4) return (x, y);
            }
        throw new InvalidOperationException("No tissue region with epithelium found on the test slide.");
    }

    [Theory]
    [InlineData(IhcStain.CD8)]
    [InlineData(IhcStain.CD4)]
    public void CensusOfMarkedCellsAgreesWithTheRenderedDabInBothDirections(IhcStain stain)
    {
        var slide = Slide(stain);
        var renderer = SyntheticRenderer.For(slide);
        const int S = 256; // about 16 marked cells expected at immune 1
        var (x0, y0) = TissueRegion(renderer, slide, S);
        var dab = StainDeconvolution.Deconvolve(slide.ReadRegion(x0, y0, 0, S, S)).Dab;
        // Cells centred up to 20 px outside the region can still stain it.
        var cells = renderer.Cells(x0 - 20, y0 - 20, x0 + S + 20, y0 + S + 20);
        var marked = cells.Where(c => c.Kind is CellKind.MarkedLymphocyte or CellKind.MarkedMacrophage).ToList();
        var lymphocytes = marked.Where(c => c.Kind == CellKind.MarkedLymphocyte && c.X >= x0 + 8 && c.X < x0 + S - 8 && c.Y >= y0 + 8 && c.Y < y0 + S - 8).ToList();
        Assert.True(lymphocytes.Count >= 5, $"only {lymphocytes.Count} marked lymphocytes inside the region: the test would not test much");

        // Every listed marked lymphocyte is there: its brown ring (DAB OD 0.45-0.8 at the stamp) shows within 6 px.
        foreach (var c in lymphocytes)
        {
            int cx = (int)(c.X - x0), cy = (int)(c.Y - y0);
            double peak = 0;
            for (int j = cy - 6; j <= cy + 6; j++)
                for (int i = cx - 6; i <= cx + 6; i++)
                    peak = Math.Max(peak, dab[j * S + i]);
            Assert.True(peak > 0.3, $"marked lymphocyte at ({c.X:F0}, {c.Y:F0}) shows DAB OD {peak:F2} at most");
        }
        // No marked cell is missing: every strongly DAB-positive pixel lies within a marked cell's reach (radius <= 12).
        for (int j = 0; j < S; j++)
            for (int i = 0; i < S; i++)
            {
                if (dab[j * S + i] <= 0.35) continue;
                double px = x0 + i + 0.5, py = y0 + j + 0.5;
                Assert.True(marked.Any(c => (c.X - px) * (c.X - px) + (c.Y - py) * (c.Y - py) <= 14 * 14),
                    $"DAB OD {dab[j * S + i]:F2} at ({px}, {py}) with no marked cell of the census nearby");
            }
    }

    [Fact]
    public void CensusOfNucleiAgreesWithTheRenderedHematoxylinInBothDirections()
    {
        var slide = Slide(IhcStain.CD8);
        var renderer = SyntheticRenderer.For(slide);
        var (x0, y0) = TissueRegion(renderer, slide, 128);
        var hema = StainDeconvolution.Deconvolve(slide.ReadRegion(x0, y0, 0, 128, 128)).Hematoxylin;
        var cells = renderer.Cells(x0 - 20, y0 - 20, x0 + 148, y0 + 148);
        var tumour = cells.Where(c => c.Kind == CellKind.TumourNucleus && c.X >= x0 + 4 && c.X < x0 + 124 && c.Y >= y0 + 4 && c.Y < y0 + 124).ToList();
        Assert.True(tumour.Count >= 10, $"only {tumour.Count} tumour nuclei inside the region");

        // Listed tumour nuclei are there: hematoxylin above the densest cytoplasm (0.10 x batch 1.12) near their centre.
        int shown = tumour.Count(c =>
        {
            int cx = (int)(c.X - x0), cy = (int)(c.Y - y0);
            double peak = 0;
            for (int j = cy - 2; j <= cy + 2; j++)
                for (int i = cx - 2; i <= cx + 2; i++)
                    peak = Math.Max(peak, hema[j * 128 + i]);
            return peak > 0.14;
        });
        Assert.True(shown >= 0.95 * tumour.Count, $"{shown} of {tumour.Count} tumour nuclei show hematoxylin near their centre");
        // No nucleus is missing: hematoxylin that only nuclei reach (> 0.25; stroma and cytoplasm stay below 0.13) lies
        // within reach of a listed cell (largest semi-axis 14).
        for (int j = 0; j < 128; j++)
            for (int i = 0; i < 128; i++)
            {
                if (hema[j * 128 + i] <= 0.25) continue;
                double px = x0 + i + 0.5, py = y0 + j + 0.5;
                Assert.True(cells.Any(c => (c.X - px) * (c.X - px) + (c.Y - py) * (c.Y - py) <= 16 * 16),
                    $"hematoxylin OD {hema[j * 128 + i]:F2} at ({px}, {py}) with no cell of the census nearby");
            }
    }

    [Fact]
    public void ProbeTilesFillTheirStrataAndCountCellsInsideEachTile()
    {
        var data = ProbeTiles.Draw(slides: 2, tilesPerSlide: 6, tileSize: 32, micronsPerPixel: 1.0, seed: 1001);
        Assert.Equal(12, data.Count);
        for (int s = 0; s < 2; s++)
        {
            var f = Enumerable.Range(0, 12).Where(i => data.SlideIndex[i] == s).Select(i => data.TissueFraction[i]).ToList();
            Assert.Equal(2, f.Count(v => v >= 0.95));
            Assert.Equal(2, f.Count(v => v >= 0.05 && v < 0.95));
            Assert.Equal(2, f.Count(v => v < 0.05));
        }
        for (int i = 0; i < 12; i++)
        {
            Assert.InRange(data.MarkedCells[i] + data.TumourNuclei[i], 0, data.Nuclei[i]);
            Assert.InRange(data.EpitheliumFraction[i], 0, data.TissueFraction[i]);
            Assert.Equal(data.TumourNuclei[i] == 0, double.IsNaN(data.TumourNucleusArea[i]));
            if (data.TissueFraction[i] == 0) Assert.Equal(0, data.Nuclei[i]); // glass holds no cell
        }
    }

    [Fact]
    public void SlideFoldsNeverScoreASlideTheProbeWasFittedOn()
    {
        // Features name the slide (one-hot), the target is a per-slide constant: a probe that saw the held-out slide
        // would predict it perfectly (R² ≈ 1); scored on unseen slides it can only predict the mean (R² ≤ 0).
        int slides = 10, per = 6;
        var rng = new Random(5);
        double[] level = [.. Enumerable.Range(0, slides).Select(_ => rng.NextDouble())];
        int n = slides * per;
        int[] slide = [.. Enumerable.Range(0, n).Select(i => i / per)];
        var x = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, slides).Select(s => s == slide[i] ? 1.0 : 0.0).ToArray()).ToArray();
        var tiles = Enumerable.Range(0, n).Select(_ => new RgbImage(1, 1, [0, 0, 0])).ToList();
        var data = new ProbeTiles(tiles, [.. Enumerable.Repeat(1.0, n)], [.. slide.Select(s => level[s])], slide,
            new int[n], new int[n], new int[n], new double[n], new double[n]);
        var scores = LinearProbe.Evaluate(x, data, ProbeTarget.DabArea);
        Assert.Equal(5, scores.Score.Length);
        Assert.Equal(n, scores.TestTiles.Sum());
        Assert.All(scores.Score, r2 => Assert.True(r2 < 0.05, $"held-out R² {r2:F3}: a held-out slide leaked into the fit"));
    }
}
