using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class TilingTests
{
    private static TissueMask HalfMask(ISlide slide)
    {
        // Left half tissue, on a 1:8 thumbnail.
        var (w, h) = slide.LevelDimensions[0];
        int tw = (int)(w / 8), th = (int)(h / 8);
        var mask = new bool[tw * th];
        for (int y = 0; y < th; y++) for (int x = 0; x < tw / 2; x++) mask[y * tw + x] = true;
        return new TissueMask(slide.Id, RgbImage.White(tw, th), mask, (8, 8), (255, 255, 255), 0.02, 0.02, null);
    }

    [Fact]
    public void Grid_is_laid_at_the_target_mpp_and_keeps_tiles_above_the_tissue_threshold()
    {
        using var s = new ImageSlide(RgbImage.White(1024, 512), 0.25, "half");
        // 64 px at 0.5 µm/px = 128 level-0 px: 8 x 4 whole tiles, the left 4 columns on tissue.
        var grid = Tiler.Tile(s, new TilingConfig(64, 0.5, 0.5), HalfMask(s));
        Assert.Equal(128, grid.Level0TileSize);
        Assert.Equal(16, grid.Count);
        Assert.All(grid.Tiles, t => Assert.True(t.X < 512 && t.X % 128 == 0 && t.Y % 128 == 0 && t.TissueFraction == 1));
        Assert.Equal(32, Tiler.Tile(s, new TilingConfig(64, 0.5, 0.5)).Count); // no mask: every whole tile
        // raster order
        Assert.True(grid.Tiles.Zip(grid.Tiles.Skip(1)).All(p => p.Second.Y > p.First.Y || (p.Second.Y == p.First.Y && p.Second.X > p.First.X)));
    }

    [Fact]
    public void Tiles_straddling_the_tissue_edge_are_kept_by_their_fraction()
    {
        using var s = new ImageSlide(RgbImage.White(1024, 512), 0.25, "half");
        // Tiles of 192 level-0 px (96 px at 0.5): the third column spans x 384..576, 2/3 of it on tissue.
        var loose = Tiler.Tile(s, new TilingConfig(96, 0.5, 0.6), HalfMask(s));
        var strict = Tiler.Tile(s, new TilingConfig(96, 0.5, 0.7), HalfMask(s));
        Assert.Contains(loose.Tiles, t => t.X == 384);
        Assert.DoesNotContain(strict.Tiles, t => t.X == 384);
        Assert.InRange(loose.Tiles.First(t => t.X == 384).TissueFraction, 0.6, 0.7);
    }

    [Fact]
    public void Tiling_without_mpp_fails_clearly_and_an_override_works()
    {
        using var s = new ImageSlide(RgbImage.White(256, 256), null, "nompp");
        var e = Assert.Throws<MissingMppException>(() => Tiler.Tile(s, new TilingConfig(64, 0.5)));
        Assert.Contains("nompp", e.Message);
        var g = Tiler.Tile(s, new TilingConfig(64, 0.5), slideMpp: 0.5);
        Assert.Equal(16, g.Count);
        Assert.Equal(0.5, g.SlideMpp);
    }

    [Fact]
    public void Tile_coordinates_round_trip_through_the_saved_file()
    {
        using var dir = new TestImages.TempDir();
        using var s = new ImageSlide(RgbImage.White(1024, 512), 0.25, "half");
        var grid = Tiler.Tile(s, new TilingConfig(64, 0.5, 0.5), HalfMask(s));
        var path = dir.File("half.tiles.json");
        grid.Save(path);
        var back = TileGrid.Load(path);
        Assert.Equal(grid.Tiles, back.Tiles);
        Assert.Equal((grid.SlideId, grid.Source, grid.SlideMpp, grid.TargetMpp, grid.TileSize), (back.SlideId, back.Source, back.SlideMpp, back.TargetMpp, back.TileSize));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Loading_a_bad_tile_file_names_the_file_and_the_problem()
    {
        using var dir = new TestImages.TempDir();
        var path = dir.File("bad.json");
        File.WriteAllText(path, """{"format":"vptsurv-tiles/1","slide_id":"a","slide_mpp":0.5,"target_mpp":0.5,"tile_size":224,"coordinates":[[0,0],[1]],"tissue_fractions":[1,1]}""");
        var e = Assert.Throws<InvalidDataException>(() => TileGrid.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("coordinates[1]", e.Message);
        File.WriteAllText(path, "{ not json");
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => TileGrid.Load(path)).Message);
        File.WriteAllText(path, """{"format":"other"}""");
        Assert.Contains("vptsurv-tiles/1", Assert.Throws<InvalidDataException>(() => TileGrid.Load(path)).Message);
    }
}
