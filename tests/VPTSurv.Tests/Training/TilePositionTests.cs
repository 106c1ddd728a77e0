using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// Tile positions through the two-stage pipeline, checked by hand on one small synthetic slide: its level 0 is at
/// 0.5 µm/px and the Smoke preset reads 32-px tiles at 1.0 µm/px, so the tiler steps 64 level-0 px per tile and the
/// position the engine carries (pixels at the target MPP) must be the tiler's level-0 corner halved.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class TilePositionTests
{
    private const string Spec = "synthetic:v1;seed=11;stain=CD8;immune=0.6;infiltration=0.4;grade=0.5;architecture=0.5";

    private static Cohort OneSlide()
    {
        var slide = new SlideRecord("S1", "P1", Spec, "CD8", 10, true, Split.Train);
        return new Cohort("one", [new Patient("P1", 10, true, Split.Train, new Dictionary<string, double>(), [slide])]);
    }

    private static float[] Positions(TileSource source, string id, int[] indices)
    {
        using var batch = source.Load([new TileRequest(id, indices)]).Single();
        Assert.NotNull(batch.Positions);
        Assert.Equal([indices.Length, 2], batch.Positions!.shape);
        return batch.Positions.data<float>().ToArray();
    }

    [Fact]
    public void PositionsSurviveThePoolCacheAndTheFeatureCacheAndEqualTheTilersCorners()
    {
        var cohort = OneSlide();
        var record = cohort.Slides.Single();
        var s = Preset.Smoke.Training;
        var dir = Directory.CreateTempSubdirectory("vptsurv-positions-").FullName;
        try
        {
            // The tiler's own answer: which tiles the pool keeps (the same even spread) and their level-0 corners.
            TileGrid grid;
            using (var slide = cohort.OpenSlide(record))
                grid = Tiler.DetectAndTile(slide, new TilingConfig(s.TileSize, s.TargetMpp, 0.5)).Grid;
            Assert.Equal(0.5, grid.SlideMpp);
            Assert.Equal(64, grid.Level0TileSize);
            var chosen = TileSampling.Inference(grid.Count, s.TilePool!.Value);
            var expected = chosen.SelectMany(i => new[] { grid.Tiles[i].X * 0.5f, grid.Tiles[i].Y * 0.5f }).ToArray(); // level-0 × 0.5/1.0
            Assert.All(expected, v => Assert.Equal(0, v % s.TileSize)); // on the 32-px lattice
            Assert.True(expected.Distinct().Count() > 2, "the hand check needs tiles in several places");
            var all = Enumerable.Range(0, chosen.Length).ToArray();

            var tiles = Path.Combine(dir, "tiles");
            using (var built = TilePoolSource.Build(cohort, [record], s.TilePool.Value, s.TileSize, s.TargetMpp, withContext: true, tiles))
            {
                Assert.Equal(1, built.SlidesRead);
                Assert.Equal(chosen.Length, built.CountOf("S1"));
                Assert.Equal(expected, Positions(built, "S1", all));
                Assert.Equal(expected[6..8], Positions(built, "S1", [3])); // a single tile keeps its own position
            }
            using (var cached = TilePoolSource.Build(cohort, [record], s.TilePool.Value, s.TileSize, s.TargetMpp, withContext: true, tiles))
            {
                Assert.Equal(0, cached.SlidesRead); // read back from the file
                Assert.Equal(expected, Positions(cached, "S1", all));
            }

            // A damaged pool file (its positions cut off) is rendered again, not misread.
            var file = Directory.GetFiles(tiles, "*.tiles").Single();
            var bytes = File.ReadAllBytes(file);
            File.WriteAllBytes(file, bytes[..^8]);
            using (var rebuilt = TilePoolSource.Build(cohort, [record], s.TilePool.Value, s.TileSize, s.TargetMpp, withContext: true, tiles))
            {
                Assert.Equal(1, rebuilt.SlidesRead);
                Assert.Equal(expected, Positions(rebuilt, "S1", all));
            }
            Assert.Equal(bytes.Length, new FileInfo(file).Length);

            // Live reading (no pool) gives the same positions for the same grid tiles.
            using (var live = new LiveTileSource(cohort, [record], s.TileSize, s.TargetMpp, new BagLoaderOptions(Threads: 1, Prefetch: 1)))
                Assert.Equal(expected, Positions(live, "S1", chosen));

            // Features: extracted (positions from the pool), then read back from the feature cache.
            var pipeline = new TwoStagePipeline(Preset.Smoke, new TrainerOptions { WorkDirectory = dir });
            var cache = new FeatureCache(Path.Combine(dir, "features"));
            using (var extracted = pipeline.Extract(cohort, [record], cache))
            {
                Assert.Equal(1, extracted.Extracted);
                Assert.Equal(expected, extracted.Positions["S1"].data<float>().ToArray());
                var bag = extracted.BagOf("S1");
                Assert.Same(extracted.Positions["S1"], bag.Coordinates);
            }
            using (var again = pipeline.Extract(cohort, [record], cache))
            {
                Assert.Equal(1, again.FromCache);
                Assert.Equal(chosen.Length, again.Features["S1"].shape[0]);
                Assert.Equal(expected, again.Positions["S1"].data<float>().ToArray());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TilePositionsRoundEachCornerBackToItsGridCellAtTheTargetMpp()
    {
        // A 0.2527 µm/px scanner read at 0.5 µm/px: the step is 224 × 0.5 / 0.2527 = 443.21 level-0 px, and the tiler
        // rounds each corner to whole pixels (column 7: round(3102.49) = 3102). Hand values: column 7 -> x = 7 × 224.
        var grid = new TileGrid("s", "s.svs", 0.2527, 0.5, 224, [new TileCoord(0, 0, 1), new TileCoord(3102, 443, 1), new TileCoord(1330, 5762, 1)]);
        Assert.Equal([0f, 0f, 7 * 224f, 224f, 3 * 224f, 13 * 224f], TilePositions.Of(grid, [0, 1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TilePositions.Of(grid, [3]));
    }

    [Fact]
    public void FeatureCacheRejectsPositionsThatDoNotMatchTheFeatures()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-features-").FullName;
        try
        {
            var cache = new FeatureCache(dir);
            using var f = zeros(5, 4);
            using var p = zeros(4, 2);
            var e = Assert.Throws<ArgumentException>(() => cache.Write("s", new string('a', 64), f, p));
            Assert.Contains("(5, 2)", e.Message);
            using var ok = zeros(5, 2);
            cache.Write("s", new string('a', 64), f, ok);
            using var back = cache.Read("s", new string('a', 64));
            Assert.Equal([5, 2], back.Positions!.shape);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
