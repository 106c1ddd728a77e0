using VPTSurv.Slides;

namespace VPTSurv.Data;

/// <summary>One bag to load: tiles of one slide, by index into its grid.</summary>
/// <param name="Slide">The open slide (thread-safe readers; shared by all bags of the slide).</param>
/// <param name="Grid">Its tiles.</param>
/// <param name="TileIndices">Which tiles, in bag order (may repeat when a slide has fewer tiles than the bag).</param>
public sealed record BagRequest(ISlide Slide, TileGrid Grid, int[] TileIndices)
{
    /// <summary>A training bag: <paramref name="n"/> tiles drawn with the seed for (seed, epoch, slide id).</summary>
    public static BagRequest Training(ISlide slide, TileGrid grid, int n, int seed, int epoch) =>
        new(slide, grid, TileSampling.Training(grid.Count, n, new Random(TileSampling.SeedFor(seed, epoch, grid.SlideId))));

    /// <summary>An inference bag: all tiles, or up to <paramref name="maxTiles"/> spread over the slide.</summary>
    public static BagRequest Inference(ISlide slide, TileGrid grid, int? maxTiles = null) =>
        new(slide, grid, TileSampling.Inference(grid.Count, maxTiles));
}

/// <summary>Settings of <see cref="BagLoader"/>.</summary>
/// <param name="Threads">Tiles read and decoded in parallel.</param>
/// <param name="Prefetch">Bags loaded ahead of the consumer (bounded: memory stays at most this many bags).</param>
/// <param name="WithContext">Also load each tile's scale context (2T x 2T centred, resized to T).</param>
/// <param name="SkipCorruptTiles">Drop tiles whose region cannot be decoded (and report them) instead of failing.</param>
public sealed record BagLoaderOptions(int Threads = 2, int Prefetch = 2, bool WithContext = false, bool SkipCorruptTiles = true)
{
    /// <summary>Two threads, two bags ahead, no context.</summary>
    public static BagLoaderOptions Default { get; } = new();
}

/// <summary>A tile that was skipped because its region could not be read.</summary>
/// <param name="SlideId">The slide.</param>
/// <param name="Position">Its position in the request's <see cref="BagRequest.TileIndices"/>.</param>
/// <param name="TileIndex">Its index in the grid.</param>
/// <param name="Error">What the reader reported.</param>
public sealed record SkippedTile(string SlideId, int Position, int TileIndex, SlideRegionException Error);
