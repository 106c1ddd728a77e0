using Xunit;
using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Slides;

namespace VPTSurv.Tests.Slides;

public class BagLoaderTests
{
    private static (ISlide Slide, TileGrid Grid) Slide(string id, int size = 512)
    {
        var s = new ImageSlide(TestImages.Mirrored(size, size), 0.5, id, levels: 2);
        return (s, Tiler.Tile(s, new TilingConfig(32, 0.5)));
    }

    private static List<(byte[] Tiles, byte[]? Ctx, float[] Xy, long[] Shape)> LoadAll(BagLoaderOptions options, IEnumerable<BagRequest> reqs)
    {
        var result = new List<(byte[], byte[]?, float[], long[])>();
        foreach (var bag in new BagLoader(options).Load(reqs))
            using (bag)
                result.Add((bag.Tiles.data<byte>().ToArray(), bag.Context?.data<byte>().ToArray(), bag.Coordinates.data<float>().ToArray(), bag.Tiles.shape));
        return result;
    }

    [Fact]
    public void Bags_have_the_model_input_layout()
    {
        var (s, g) = Slide("a");
        using var _ = s;
        using var bag = new BagLoader(new BagLoaderOptions(WithContext: true)).LoadOne(BagRequest.Training(s, g, 12, seed: 1, epoch: 0));
        Assert.Equal(new long[] { 12, 3, 32, 32 }, bag.Tiles.shape);
        Assert.Equal(torch.ScalarType.Byte, bag.Tiles.dtype);
        Assert.Equal(new long[] { 12, 3, 32, 32 }, bag.Context!.shape);
        Assert.Equal(new long[] { 12, 2 }, bag.Coordinates.shape);
        Assert.Equal(torch.ScalarType.Float32, bag.Coordinates.dtype);
        // Channel-first RGB of the right tile at the right place.
        int k = 5;
        var coord = g.Tiles[bag.TileIndices[k]];
        Assert.Equal(new[] { (float)coord.X, coord.Y }, bag.Coordinates[k].data<float>().ToArray());
        var rgb = s.ReadRegion(coord.X, coord.Y, 0, 32, 32);
        var t = bag.Tiles[k];
        Assert.Equal(rgb.Pixels[(7 * 32 + 9) * 3 + 0], t[0, 7, 9].item<byte>());
        Assert.Equal(rgb.Pixels[(7 * 32 + 9) * 3 + 1], t[1, 7, 9].item<byte>());
        Assert.Equal(rgb.Pixels[(7 * 32 + 9) * 3 + 2], t[2, 7, 9].item<byte>());
    }

    [Fact]
    public void Bags_are_identical_whatever_the_thread_count_and_prefetch()
    {
        var slides = new[] { Slide("a"), Slide("b", 384), Slide("c", 256) };
        try
        {
            IEnumerable<BagRequest> Requests() => Enumerable.Range(0, 2).SelectMany(epoch =>
                slides.Select(p => BagRequest.Training(p.Slide, p.Grid, 40, seed: 5, epoch)));
            var one = LoadAll(new BagLoaderOptions(Threads: 1, Prefetch: 1, WithContext: true), Requests());
            var four = LoadAll(new BagLoaderOptions(Threads: 4, Prefetch: 3, WithContext: true), Requests());
            Assert.Equal(6, one.Count);
            for (int i = 0; i < one.Count; i++)
            {
                Assert.Equal(one[i].Shape, four[i].Shape);
                Assert.Equal(one[i].Tiles, four[i].Tiles);
                Assert.Equal(one[i].Ctx, four[i].Ctx);
                Assert.Equal(one[i].Xy, four[i].Xy);
            }
            Assert.NotEqual(one[0].Xy, one[3].Xy); // epochs differ
        }
        finally
        {
            foreach (var p in slides) p.Slide.Dispose();
        }
    }

    [Theory]
    [InlineData(SlideSource.Reader.OpenSlide)]
    [InlineData(SlideSource.Reader.Vips)]
    public void Bags_from_a_tiff_file_are_identical_whatever_the_thread_count(SlideSource.Reader reader)
    {
        using var dir = new TestImages.TempDir();
        var path = dir.File("s.tiff");
        PyramidalTiff.Write(new ImageSlide(TestImages.Mirrored(640, 512), 0.25, "s"), path, tileSize: 64);
        using var s = SlideSource.Open(path, reader);
        var grid = Tiler.Tile(s, new TilingConfig(48, 0.5)); // from level 1, with resizing for the context
        var reqs = Enumerable.Range(0, 3).Select(e => BagRequest.Training(s, grid, 30, seed: 9, e)).ToList();
        var one = LoadAll(new BagLoaderOptions(Threads: 1, Prefetch: 1, WithContext: true), reqs);
        var many = LoadAll(new BagLoaderOptions(Threads: 4, Prefetch: 3, WithContext: true), reqs);
        for (int i = 0; i < one.Count; i++)
        {
            Assert.Equal(one[i].Tiles, many[i].Tiles);
            Assert.Equal(one[i].Ctx, many[i].Ctx);
            Assert.Equal(one[i].Xy, many[i].Xy);
        }
    }

    [Fact]
    public void A_corrupt_tile_is_skipped_and_logged_and_the_bag_still_loads()
    {
        using var dir = new TestImages.TempDir();
        var path = TiffTiles.BrokenSlide(dir); // level-0 pixels 0..63 x 0..63 damaged
        foreach (var reader in new[] { SlideSource.Reader.OpenSlide, SlideSource.Reader.Vips })
        {
            using var s = SlideSource.Open(path, reader);
            var grid = Tiler.Tile(s, new TilingConfig(32, 0.5));
            // The callback runs on the loader's threads: collect thread-safely.
            var logged = new System.Collections.Concurrent.ConcurrentQueue<SkippedTile>();
            using var bag = new BagLoader(new BagLoaderOptions(Threads: 2), logged.Enqueue).Load([BagRequest.Inference(s, grid)]).Single();
            // The 4 tiles of 32 px inside the damaged 64 px TIFF tile are dropped; the other 60 load.
            string Seen() => $"{reader}: skipped tiles {string.Join(", ", bag.Skipped.Select(k => $"{k.TileIndex} ({k.Error.Message})"))}; logged {logged.Count}";
            Assert.True(bag.Skipped.Count == 4, Seen());
            Assert.True(logged.Count == 4, Seen());
            Assert.All(bag.Skipped, k => Assert.True(grid.Tiles[k.TileIndex].X < 64 && grid.Tiles[k.TileIndex].Y < 64));
            Assert.Equal(60, bag.Tiles.shape[0]);
            Assert.Equal(60, bag.Coordinates.shape[0]);
            Assert.Contains("broken", bag.Skipped[0].Error.Message);
        }
    }

    [Fact]
    public void Stopping_early_ends_the_prefetch_and_loading_leaks_no_tensors()
    {
        var (s, g) = Slide("a");
        using var _ = s;
        var requests = Enumerable.Range(0, 1000).Select(e => BagRequest.Training(s, g, 8, 1, e));
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        int seen = 0;
        foreach (var bag in new BagLoader(new BagLoaderOptions(Prefetch: 2)).Load(requests))
        {
            bag.Dispose();
            if (++seen == 3) break;
        }
        Assert.Equal(3, seen);
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
