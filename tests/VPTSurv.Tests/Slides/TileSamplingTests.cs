using Xunit;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class TileSamplingTests
{
    [Fact]
    public void Training_draws_are_reproducible_for_a_seed_and_differ_across_epochs_and_slides()
    {
        int[] Draw(int seed, int epoch, string id) => TileSampling.Training(1000, 200, new Random(TileSampling.SeedFor(seed, epoch, id)));
        Assert.Equal(Draw(7, 0, "s1"), Draw(7, 0, "s1"));
        Assert.NotEqual(Draw(7, 0, "s1"), Draw(7, 1, "s1"));
        Assert.NotEqual(Draw(7, 0, "s1"), Draw(7, 0, "s2"));
        Assert.NotEqual(Draw(7, 0, "s1"), Draw(8, 0, "s1"));
    }

    [Fact]
    public void Seed_derivation_is_stable_across_processes()
    {
        // string.GetHashCode is randomised per process, SeedFor must not be: values from the independent Python
        // implementation in Fixtures/slides/seed_reference.py.
        Assert.Equal(1028430543, TileSampling.SeedFor(0, 0, ""));
        Assert.Equal(1828623353, TileSampling.SeedFor(42, 3, "TCGA-XY"));
    }

    [Theory]
    [InlineData(1000, 200)]
    [InlineData(200, 200)]
    [InlineData(201, 200)]
    public void Training_draws_without_replacement_when_the_slide_has_enough_tiles(int count, int n)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var idx = TileSampling.Training(count, n, new Random(seed));
            Assert.Equal(n, idx.Length);
            Assert.Equal(n, idx.Distinct().Count());
            Assert.All(idx, i => Assert.InRange(i, 0, count - 1));
        }
    }

    [Theory]
    [InlineData(1, 200)]
    [InlineData(37, 200)]
    [InlineData(199, 200)]
    public void With_fewer_tiles_than_n_every_tile_appears_and_the_rest_repeat(int count, int n)
    {
        var idx = TileSampling.Training(count, n, new Random(3));
        Assert.Equal(n, idx.Length);
        Assert.Equal(Enumerable.Range(0, count), idx.Distinct().Order());
    }

    [Fact]
    public void Training_draws_cover_tiles_uniformly()
    {
        // 10 000 draws of 20 from 100: each tile chosen 2 000 times in expectation (sd ~ 40); 5 sd bounds.
        var counts = new int[100];
        var rng = new Random(11);
        for (int r = 0; r < 10_000; r++)
            foreach (var i in TileSampling.Training(100, 20, rng)) counts[i]++;
        Assert.All(counts, c => Assert.InRange(c, 1800, 2200));
    }

    [Fact]
    public void Inference_takes_all_tiles_or_m_spread_evenly()
    {
        Assert.Equal(Enumerable.Range(0, 50), TileSampling.Inference(50));
        Assert.Equal(Enumerable.Range(0, 50), TileSampling.Inference(50, 1000));
        var spread = TileSampling.Inference(1000, 10);
        Assert.Equal(new[] { 50, 150, 250, 350, 450, 550, 650, 750, 850, 950 }, spread);
        var m = TileSampling.Inference(12345, 1000);
        Assert.Equal(1000, m.Distinct().Count());
        Assert.Equal(m, TileSampling.Inference(12345, 1000));
        Assert.True(m.Zip(m.Skip(1)).All(p => p.Second > p.First));
    }

    [Fact]
    public void Scale_context_is_the_2t_region_centred_on_the_tile_resized_to_t()
    {
        using var s = new ImageSlide(TestImages.Mirrored(1024, 1024), 0.5, levels: 2);
        var grid = new TileGrid(s.Id, s.Source, 0.5, 0.5, 64, [new TileCoord(256, 320, 1)]);
        var ctx = s.ReadContext(grid, grid.Tiles[0]);
        Assert.Equal((64, 64), (ctx.Width, ctx.Height));
        var reference = s.ReadRegion(256 - 32, 320 - 32, 0, 128, 128).Resize(64, 64);
        var d = TestImages.Diff(reference, ctx);
        Assert.True(d.Mean < 4, $"mean |diff| {d.Mean:F2}"); // level 1 holds the same pixels shrunk by libvips
        // The tile itself at its own resolution is exactly level 0.
        Assert.Equal(0, TestImages.Diff(s.ReadRegion(256, 320, 0, 64, 64), s.ReadTile(grid, grid.Tiles[0])).Max);
    }
}
