using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VPTSurv.Data;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// A fixed pool of candidate tiles per slide, read once (tissue detection, tiling, then up to
/// <see cref="TrainingSettings.TilePool"/> tiles spread evenly over the tissue) and cached on disk under a content
/// key (source, reader, slide MPP, target MPP, tile size, tissue threshold, pool size, context), then kept in memory
/// as bytes, with each tile's position (<see cref="TilePositions"/>: pixels at the target MPP). Training samples from
/// the pool, so a CPU run renders each tile once instead of once per epoch. The file format's version is part of the
/// key, so a cache written by an older format (version 1 had no positions) is never read: its slides are rendered again.
/// </summary>
public sealed class TilePoolSource : TileSource
{
    private const string Format = "vptsurv-tilepool/2";
    private readonly Dictionary<string, SlidePool> _pools = new(StringComparer.Ordinal);

    private sealed record SlidePool(int Count, int TileSize, byte[] Tiles, byte[]? Context, float[] Positions)
    {
        public string Identity { get; set; } = "";
    }

    private TilePoolSource() { }

    /// <summary>Tiles read from slides (not found in the cache) while building.</summary>
    public int SlidesRead { get; private set; }

    /// <summary>
    /// Builds the pools of <paramref name="slides"/>: from <paramref name="cacheDirectory"/> when a file with the same
    /// key is there, else from the slide (and then written there atomically). A slide that cannot be read fails the
    /// call with its id and source.
    /// </summary>
    public static TilePoolSource Build(Cohort cohort, IEnumerable<SlideRecord> slides, int poolSize, int tileSize, double targetMpp,
        bool withContext, string? cacheDirectory, IProgress<TrainingProgress>? progress = null, double minTissueFraction = 0.5,
        Action<SlideRecord, Exception>? onFailure = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        var list = slides.ToList();
        var source = new TilePoolSource();
        var loader = new BagLoader(new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 1, WithContext: withContext));
        if (cacheDirectory is not null) Directory.CreateDirectory(cacheDirectory);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long tiles = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var record = list[i];
            if (source._pools.ContainsKey(record.SlideId)) continue;
            SlidePool pool;
            try
            {
                using var slide = cohort.OpenSlide(record);
                double slideMpp = slide.ResolveMpp();
                string key = Key(cohort.ResolveSource(record), slide.ReaderName, slideMpp, targetMpp, tileSize, minTissueFraction, poolSize, withContext);
                string? path = cacheDirectory is null ? null : Path.Combine(cacheDirectory, $"{Sanitize(record.SlideId)}-{key[..16]}.tiles");
                SlidePool? cached = null;
                if (path is not null && File.Exists(path))
                    try { cached = Read(path, key); }
                    catch (Exception e) when (e is IOException or InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException)
                    {
                        cached = null; // a damaged or foreign file under our name: render again and replace it
                    }
                if (cached is not null) pool = cached;
                else
                {
                    pool = Render(slide, record, loader, tileSize, targetMpp, minTissueFraction, poolSize, withContext);
                    source.SlidesRead++;
                    if (path is not null) Write(path, key, pool);
                }
                pool.Identity = key;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException)
            {
                var error = new InvalidDataException($"tile pool of slide '{record.SlideId}' ({record.Source}): {e.Message}", e);
                if (onFailure is null) throw error;
                onFailure(record, error);
                continue;
            }
            source._pools[record.SlideId] = pool;
            tiles += pool.Count;
            double rate = tiles / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
            progress?.Report(new TrainingProgress("tiles", 0, 0, i + 1, list.Count, double.NaN, null, rate,
                TimeSpan.FromSeconds(sw.Elapsed.TotalSeconds / (i + 1) * (list.Count - i - 1))));
        }
        return source;
    }

    /// <summary>The content key of a pool (hex SHA-256).</summary>
    public static string Key(string source, string reader, double slideMpp, double targetMpp, int tileSize, double minTissue, int poolSize, bool context) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('|', Format, source, reader, slideMpp.ToString("R"), targetMpp.ToString("R"), tileSize, minTissue.ToString("R"), poolSize, context))));

    /// <inheritdoc />
    public override int CountOf(string slideId) => Pool(slideId).Count;

    /// <summary>Whether the slide's pool was built (false when it failed and was reported).</summary>
    public bool Contains(string slideId) => _pools.ContainsKey(slideId);

    /// <inheritdoc />
    public override string Identity(string slideId) => Pool(slideId).Identity;

    /// <inheritdoc />
    public override IEnumerable<TileBatch> Load(IEnumerable<TileRequest> requests)
    {
        foreach (var r in requests)
        {
            var pool = Pool(r.SlideId);
            int t = pool.TileSize, plane = 3 * t * t, n = r.Indices.Length;
            var tiles = new byte[(long)n * plane];
            var context = pool.Context is null ? null : new byte[(long)n * plane];
            var positions = new float[2 * n];
            for (int k = 0; k < n; k++)
            {
                int i = r.Indices[k];
                if ((uint)i >= (uint)pool.Count)
                    throw new ArgumentOutOfRangeException(nameof(requests), $"slide '{r.SlideId}': tile {i} outside its pool of {pool.Count}");
                Array.Copy(pool.Tiles, (long)i * plane, tiles, (long)k * plane, plane);
                if (context is not null) Array.Copy(pool.Context!, (long)i * plane, context, (long)k * plane, plane);
                positions[2 * k] = pool.Positions[2 * i];
                positions[2 * k + 1] = pool.Positions[2 * i + 1];
            }
            yield return new TileBatch(r.SlideId,
                tensor(tiles, [n, 3, t, t], ScalarType.Byte), // (N, 3, T, T)
                context is null ? null : tensor(context, [n, 3, t, t], ScalarType.Byte), // (N, 3, T, T)
                tensor(positions, [n, 2], ScalarType.Float32)); // (N, 2) target-MPP pixels
        }
    }

    private SlidePool Pool(string slideId) =>
        _pools.TryGetValue(slideId, out var p) ? p : throw new KeyNotFoundException($"No tile pool for slide '{slideId}'.");

    private static SlidePool Render(ISlide slide, SlideRecord record, BagLoader loader, int tileSize, double targetMpp, double minTissue, int poolSize, bool withContext)
    {
        var (grid, _) = Tiler.DetectAndTile(slide, new TilingConfig(tileSize, targetMpp, minTissue));
        if (grid.Count == 0)
            throw new InvalidDataException($"no tile of {tileSize} px at {targetMpp} µm/px has {minTissue:P0} tissue{(grid.Warning is null ? "" : $" ({grid.Warning})")}");
        using var bag = loader.LoadOne(new BagRequest(slide, grid, TileSampling.Inference(grid.Count, poolSize)));
        if (bag.Tiles.shape[0] == 0)
            throw new InvalidDataException($"all {bag.Skipped.Count} pool tiles were unreadable (first: {bag.Skipped[0].Error.Message})");
        return new SlidePool((int)bag.Tiles.shape[0], tileSize, bag.Tiles.data<byte>().ToArray(), bag.Context?.data<byte>().ToArray(),
            TilePositions.Of(grid, bag.TileIndices));
    }

    private static void Write(string path, string key, SlidePool pool)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["format"] = Format, ["key"] = key, ["count"] = pool.Count, ["tile_size"] = pool.TileSize, ["context"] = pool.Context is not null,
            ["positions"] = "float32 (x, y) per tile after the tiles (and context): top-left corner in pixels at the target MPP",
        });
        AtomicFile.Write(path, tmp =>
        {
            using var w = new BinaryWriter(File.Create(tmp));
            w.Write(header.Length);
            w.Write(header);
            w.Write(pool.Tiles);
            if (pool.Context is not null) w.Write(pool.Context);
            foreach (var v in pool.Positions) w.Write(v);
        }, overwrite: true);
    }

    private static SlidePool Read(string path, string key)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        int len = r.ReadInt32();
        if (len <= 0 || len > 1 << 20) throw new InvalidDataException($"tile pool '{path}': header length {len} is not plausible");
        using var doc = JsonDocument.Parse(r.ReadBytes(len));
        var root = doc.RootElement;
        if (root.GetProperty("format").GetString() != Format || root.GetProperty("key").GetString() != key)
            throw new InvalidDataException($"tile pool '{path}': format or key differs from the expected {Format} / {key}");
        int count = root.GetProperty("count").GetInt32(), t = root.GetProperty("tile_size").GetInt32();
        bool context = root.GetProperty("context").GetBoolean();
        long bytes = (long)count * 3 * t * t;
        var tiles = r.ReadBytes(checked((int)bytes));
        var ctx = context ? r.ReadBytes(checked((int)bytes)) : null;
        if (tiles.Length != bytes || (ctx is not null && ctx.Length != bytes) || r.BaseStream.Length - r.BaseStream.Position != 8L * count)
            throw new InvalidDataException($"tile pool '{path}': truncated or oversized (expected {count} tiles of {t} px{(context ? " with context" : "")} and {count} positions)");
        var positions = new float[2 * count];
        for (int i = 0; i < positions.Length; i++) positions[i] = r.ReadSingle();
        return new SlidePool(count, t, tiles, ctx, positions);
    }

    internal static string Sanitize(string id) => string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
