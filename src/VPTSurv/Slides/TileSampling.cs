namespace VPTSurv.Slides;

/// <summary>
/// Which tiles of a slide enter a bag. Training draws N tiles at random per step (seeded; without replacement, except
/// that a slide with fewer than N tiles gives each of its tiles once and fills the rest by drawing with replacement);
/// inference takes all tiles, or up to M spread evenly over the raster order.
/// </summary>
public static class TileSampling
{
    /// <summary>N tile indices of <paramref name="tileCount"/> for one training step, drawn with <paramref name="rng"/>.</summary>
    /// <param name="tileCount">Tiles of the slide (at least 1).</param>
    /// <param name="n">Tiles per bag (the paper: 200).</param>
    /// <param name="rng">Random source; one seeded per (seed, epoch, slide) by <see cref="SeedFor"/> makes runs reproducible.</param>
    public static int[] Training(int tileCount, int n, Random rng)
    {
        if (tileCount < 1) throw new ArgumentOutOfRangeException(nameof(tileCount), $"a slide needs at least one tile to sample from, got {tileCount}");
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (tileCount >= n)
        {
            // Partial Fisher–Yates over a sparse permutation: O(n) memory whatever the slide size.
            var swapped = new Dictionary<int, int>();
            var result = new int[n];
            for (int i = 0; i < n; i++)
            {
                int j = rng.Next(i, tileCount);
                int vi = swapped.GetValueOrDefault(i, i), vj = swapped.GetValueOrDefault(j, j);
                result[i] = vj;
                swapped[j] = vi;
            }
            return result;
        }
        // Fewer tiles than N: every tile once, the rest drawn with replacement, then shuffled so order carries nothing.
        var all = new int[n];
        for (int i = 0; i < tileCount; i++) all[i] = i;
        for (int i = tileCount; i < n; i++) all[i] = rng.Next(tileCount);
        rng.Shuffle(all);
        return all;
    }

    /// <summary>Tile indices for inference: all tiles when <paramref name="maxTiles"/> is null or not exceeded, else
    /// <paramref name="maxTiles"/> indices at evenly spaced positions of the raster order (deterministic, no seed).</summary>
    public static int[] Inference(int tileCount, int? maxTiles = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tileCount);
        if (maxTiles is not { } m || tileCount <= m)
            return Enumerable.Range(0, tileCount).ToArray();
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1, nameof(maxTiles));
        var result = new int[m];
        for (int k = 0; k < m; k++)
            result[k] = (int)((2L * k + 1) * tileCount / (2L * m)); // centre of the k-th of m equal strata
        return result;
    }

    /// <summary>A seed for one (run seed, epoch, slide) triple, stable across processes and .NET versions
    /// (SplitMix64 over the inputs; the slide id hashed with FNV-1a).</summary>
    public static int SeedFor(int seed, int epoch, string slideId)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in slideId)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        ulong z = Mix((ulong)(uint)seed) ^ Mix(((ulong)(uint)epoch << 1) | 1) ^ Mix(h);
        return (int)(Mix(z) & 0x7FFFFFFF);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The tile at the grid's resolution: <see cref="TileGrid.TileSize"/> pixels a side.</summary>
    public static RgbImage ReadTile(this ISlide slide, TileGrid grid, TileCoord tile) =>
        slide.ReadRegionAtMpp(tile.X, tile.Y, grid.TileSize, grid.TargetMpp, grid.SlideMpp);

    /// <summary>
    /// The scale context of a tile: the 2T x 2T region centred on it (the tile and half of each neighbour), resized to
    /// T x T. Read directly at twice the MPP, which is that region after resizing, from the coarsest suitable level.
    /// </summary>
    public static RgbImage ReadContext(this ISlide slide, TileGrid grid, TileCoord tile)
    {
        double half = grid.Level0TileSize / 2;
        return slide.ReadRegionAtMpp((long)Math.Round(tile.X - half), (long)Math.Round(tile.Y - half), grid.TileSize, 2 * grid.TargetMpp, grid.SlideMpp);
    }
}
