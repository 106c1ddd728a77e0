using System.Collections.Concurrent;
using TorchSharp;
using VPTSurv.Slides;
using static TorchSharp.torch;

namespace VPTSurv.Data;

/// <summary>
/// A loaded bag, the model's input convention: tiles (N, 3, T, T) uint8 RGB, optional context tiles of the same
/// shape, and the tiles' level-0 coordinates (N, 2) float32 as (x, y). The consumer owns and disposes the tensors.
/// </summary>
public sealed class TileBag : IDisposable
{
    internal TileBag(int index, BagRequest request, Tensor tiles, Tensor? context, Tensor coords, int[] tileIndices, IReadOnlyList<SkippedTile> skipped)
    {
        Index = index; Request = request; Tiles = tiles; Context = context; Coordinates = coords; TileIndices = tileIndices; Skipped = skipped;
    }

    /// <summary>Position of the bag in the request sequence.</summary>
    public int Index { get; }

    /// <summary>The request it answers.</summary>
    public BagRequest Request { get; }

    /// <summary>The slide's identifier.</summary>
    public string SlideId => Request.Grid.SlideId;

    /// <summary>(N, 3, T, T) uint8 RGB.</summary>
    public Tensor Tiles { get; }

    /// <summary>(N, 3, T, T) uint8 RGB scale context, when asked for.</summary>
    public Tensor? Context { get; }

    /// <summary>(N, 2) float32 level-0 (x, y) of each tile's top-left corner.</summary>
    public Tensor Coordinates { get; }

    /// <summary>Grid index of each of the N tiles (corrupt tiles removed).</summary>
    public IReadOnlyList<int> TileIndices { get; }

    /// <summary>Tiles dropped because their region was unreadable.</summary>
    public IReadOnlyList<SkippedTile> Skipped { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Tiles.Dispose();
        Context?.Dispose();
        Coordinates.Dispose();
    }
}

/// <summary>
/// Loads bags of tiles in parallel with a bounded prefetch. Each tile is written into its own slot, so the result
/// depends only on the requests (and hence on the seed that made them), never on thread timing. Tensors are created
/// on the consuming thread, inside its dispose scope.
/// </summary>
public sealed class BagLoader(BagLoaderOptions? options = null, Action<SkippedTile>? log = null)
{
    /// <summary>The settings.</summary>
    public BagLoaderOptions Options { get; } = Validate(options ?? BagLoaderOptions.Default);

    private static BagLoaderOptions Validate(BagLoaderOptions o)
    {
        if (o.Threads < 1 || o.Prefetch < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"Threads and Prefetch must be at least 1, got {o.Threads} and {o.Prefetch}");
        return o;
    }

    /// <summary>Loads the bags of <paramref name="requests"/> in order, up to <see cref="BagLoaderOptions.Prefetch"/> ahead.</summary>
    public IEnumerable<TileBag> Load(IEnumerable<BagRequest> requests, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<LoadedBag>(Options.Prefetch);
        Exception? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                int index = 0;
                foreach (var r in requests)
                {
                    cts.Token.ThrowIfCancellationRequested();
                    queue.Add(Read(index++, r, cts.Token), cts.Token);
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        });
        try
        {
            foreach (var loaded in queue.GetConsumingEnumerable(cancellationToken))
            {
                foreach (var s in loaded.Skipped) log?.Invoke(s);
                yield return loaded.ToBag();
            }
            if (failure is not null)
                throw new InvalidOperationException($"bag loading failed: {failure.Message}", failure);
        }
        finally
        {
            cts.Cancel();
            try { producer.Wait(); } catch (AggregateException) { }
        }
    }

    /// <summary>Loads one bag synchronously (same parallel read, no prefetch).</summary>
    public TileBag LoadOne(BagRequest request) => Read(0, request, CancellationToken.None).ToBag();

    private LoadedBag Read(int index, BagRequest r, CancellationToken ct)
    {
        var grid = r.Grid;
        int n = r.TileIndices.Length, t = grid.TileSize;
        foreach (var i in r.TileIndices)
            if ((uint)i >= (uint)grid.Count)
                throw new ArgumentOutOfRangeException(nameof(r), $"slide '{grid.SlideId}': tile index {i} outside its {grid.Count} tiles");
        int plane = 3 * t * t;
        var tiles = new byte[(long)n * plane];
        var context = Options.WithContext ? new byte[(long)n * plane] : null;
        var errors = new SlideRegionException?[n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Options.Threads, CancellationToken = ct }, k =>
        {
            var coord = grid.Tiles[r.TileIndices[k]];
            try
            {
                ToChw(r.Slide.ReadTile(grid, coord), tiles, (long)k * plane);
                if (context is not null)
                    ToChw(r.Slide.ReadContext(grid, coord), context, (long)k * plane);
            }
            catch (SlideRegionException e) when (Options.SkipCorruptTiles)
            {
                errors[k] = e;
            }
        });
        var skipped = new List<SkippedTile>();
        for (int k = 0; k < n; k++)
            if (errors[k] is { } e) skipped.Add(new SkippedTile(grid.SlideId, k, r.TileIndices[k], e));
        return new LoadedBag(index, r, tiles, context, skipped);
    }

    // (T, T, 3) HWC bytes -> (3, T, T) CHW at offset.
    private static void ToChw(RgbImage img, byte[] dst, long offset)
    {
        int hw = img.Width * img.Height;
        var src = img.Pixels;
        for (int i = 0, s = 0; i < hw; i++, s += 3)
        {
            dst[offset + i] = src[s];
            dst[offset + hw + i] = src[s + 1];
            dst[offset + 2 * hw + i] = src[s + 2];
        }
    }

    private sealed record LoadedBag(int Index, BagRequest Request, byte[] Tiles, byte[]? Context, List<SkippedTile> Skipped)
    {
        public TileBag ToBag()
        {
            var grid = Request.Grid;
            int t = grid.TileSize, plane = 3 * t * t;
            var keep = Enumerable.Range(0, Request.TileIndices.Length).Where(k => !Skipped.Any(s => s.Position == k)).ToArray();
            byte[] tiles = Compact(Tiles, keep, plane), context = Context is null ? [] : Compact(Context, keep, plane);
            var coords = new float[keep.Length * 2];
            var indices = new int[keep.Length];
            for (int k = 0; k < keep.Length; k++)
            {
                indices[k] = Request.TileIndices[keep[k]];
                var c = grid.Tiles[indices[k]];
                coords[2 * k] = c.X;
                coords[2 * k + 1] = c.Y;
            }
            long n = keep.Length;
            var tt = torch.tensor(tiles, [n, 3, t, t], ScalarType.Byte); // (N, 3, T, T)
            var ct = Context is null ? null : torch.tensor(context, [n, 3, t, t], ScalarType.Byte); // (N, 3, T, T)
            var xy = torch.tensor(coords, [n, 2], ScalarType.Float32); // (N, 2)
            return new TileBag(Index, Request, tt, ct, xy, indices, Skipped);
        }

        private static byte[] Compact(byte[] src, int[] keep, int plane)
        {
            if (keep.Length * (long)plane == src.LongLength) return src;
            var dst = new byte[keep.Length * (long)plane];
            for (int k = 0; k < keep.Length; k++)
                Array.Copy(src, (long)keep[k] * plane, dst, (long)k * plane, plane);
            return dst;
        }
    }
}
