namespace VPTSurv.Decoders;

/// <summary>
/// HVTSurv's spatial windows (szc19990412/HVTSurv <c>knn_position.py</c>): the tile list is reflect-padded to a
/// multiple of the window size W, then windows are formed greedily — the first remaining tile and its W − 1 nearest
/// remaining tiles (Euclidean distance on the tile grid) form a window and are removed — until no tile remains.
/// The original queries an approximate HNSW index and always pads (by W when N is already a multiple); here neighbours
/// are exact (ties broken by list order) and a bag whose size is a multiple of W is not padded, so its windows are an
/// exact partition of the tiles.
/// </summary>
public static class KnnWindowPartition
{
    /// <summary>
    /// Tile indices in window order (length ⌈N/W⌉·W): window w is entries [w W, (w + 1) W). Every tile appears at least
    /// once; the padding repeats tiles (reflected at the list ends, as numpy's 'reflect').
    /// </summary>
    /// <param name="grid">Tile positions on the tile grid (x, y), one per tile.</param>
    /// <param name="windowSize">W (HVTSurv: 49).</param>
    public static long[] Build(IReadOnlyList<(double X, double Y)> grid, int windowSize)
    {
        if (windowSize < 1) throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "window size must be at least 1");
        int n = grid.Count;
        if (n == 0) throw new ArgumentException("cannot build windows of an empty bag", nameof(grid));
        int m = (n + windowSize - 1) / windowSize * windowSize;
        int add = m - n, left = add / 2;
        var padded = new int[m];
        for (int j = 0; j < m; j++) padded[j] = Reflect(j - left, n);

        var remaining = new List<int>(Enumerable.Range(0, m));                // positions into `padded`
        var order = new long[m];
        int filled = 0;
        // the W nearest remaining positions by (distance, list rank), kept in a max-heap of size W
        var farthestFirst = Comparer<(double D, int Rank)>.Create((a, b) => a.D != b.D ? b.D.CompareTo(a.D) : b.Rank.CompareTo(a.Rank));
        var heap = new PriorityQueue<int, (double D, int Rank)>(windowSize + 1, farthestFirst);
        var window = new List<(double D, int Rank, int Pos)>(windowSize);
        while (remaining.Count > 0)
        {
            var seed = grid[padded[remaining[0]]];
            heap.Clear();
            for (int r = 0; r < remaining.Count; r++)
            {
                var p = grid[padded[remaining[r]]];
                double dx = p.X - seed.X, dy = p.Y - seed.Y;
                heap.Enqueue(remaining[r], (dx * dx + dy * dy, r));
                if (heap.Count > windowSize) heap.Dequeue();
            }
            window.Clear();
            while (heap.TryDequeue(out int pos, out var key)) window.Add((key.D, key.Rank, pos));
            window.Sort((a, b) => a.D != b.D ? a.D.CompareTo(b.D) : a.Rank.CompareTo(b.Rank));
            var taken = new HashSet<int>();
            foreach (var (_, _, pos) in window)
            {
                order[filled++] = padded[pos];
                taken.Add(pos);
            }
            remaining.RemoveAll(taken.Contains);
        }
        return order;
    }

    /// <summary>numpy 'reflect' indexing of position <paramref name="j"/> into a list of <paramref name="n"/> items (edge not repeated).</summary>
    internal static int Reflect(int j, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        int r = ((j % period) + period) % period;
        return r < n ? r : period - r;
    }
}
