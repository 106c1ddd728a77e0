using System.Text.Json;
using System.Text.Json.Serialization;
using VPTSurv.Runtime;

namespace VPTSurv.Slides;

/// <summary>Settings of <see cref="Tiler"/>.</summary>
/// <param name="TileSize">Tile side in pixels at <paramref name="TargetMpp"/> (the paper: 224).</param>
/// <param name="TargetMpp">Resolution of the tiles (µm/px; 0.5 ≈ 20x).</param>
/// <param name="MinTissueFraction">A tile is kept when at least this fraction of it is tissue.</param>
public sealed record TilingConfig(int TileSize = 224, double TargetMpp = 0.5, double MinTissueFraction = 0.5)
{
    /// <summary>The paper's tiling: 224 px at 20x (0.5 µm/px), half tissue.</summary>
    public static TilingConfig Paper { get; } = new();
}

/// <summary>One tile: its top-left corner in level-0 pixels and its tissue fraction.</summary>
/// <param name="X">Level-0 x.</param>
/// <param name="Y">Level-0 y.</param>
/// <param name="TissueFraction">Fraction of the tile that is tissue.</param>
public readonly record struct TileCoord(long X, long Y, float TissueFraction);

/// <summary>The tiles of one slide at one resolution: what <see cref="Tiler"/> produces and bag loading reads.</summary>
/// <param name="SlideId">The slide's identifier.</param>
/// <param name="Source">The slide's path or spec.</param>
/// <param name="SlideMpp">Level-0 MPP used (the file's or the override).</param>
/// <param name="TargetMpp">Resolution of the tiles.</param>
/// <param name="TileSize">Tile side at <paramref name="TargetMpp"/>.</param>
/// <param name="Tiles">Tiles in raster order (by y, then x).</param>
/// <param name="Warning">A warning carried from tissue detection (no tissue), or null.</param>
public sealed record TileGrid(string SlideId, string Source, double SlideMpp, double TargetMpp, int TileSize,
    IReadOnlyList<TileCoord> Tiles, string? Warning = null)
{
    /// <summary>Format tag written into saved files.</summary>
    public const string FormatTag = "vptsurv-tiles/1";

    /// <summary>Tile side in level-0 pixels.</summary>
    public double Level0TileSize => TileSize * TargetMpp / SlideMpp;

    /// <summary>Number of tiles.</summary>
    public int Count => Tiles.Count;

    /// <summary>Saves as JSON (atomic write; replaces an earlier file).</summary>
    public void Save(string path)
    {
        var dto = new TileGridFile(FormatTag, SlideId, Source, SlideMpp, TargetMpp, TileSize, Warning,
            Tiles.Select(t => new[] { t.X, t.Y }).ToArray(), Tiles.Select(t => t.TissueFraction).ToArray());
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(dto, TileGridJson.Default.TileGridFile));
    }

    /// <summary>Loads a file written by <see cref="Save"/>; the message names the file and what is wrong.</summary>
    public static TileGrid Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tile file '{path}' not found", path);
        TileGridFile? f;
        try
        {
            f = JsonSerializer.Deserialize(File.ReadAllText(path), TileGridJson.Default.TileGridFile);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"tile file '{path}': not valid JSON ({e.Message})", e);
        }
        if (f is null || f.Format != FormatTag)
            throw new InvalidDataException($"tile file '{path}': expected \"format\": \"{FormatTag}\", found {(f is null ? "nothing" : $"\"{f.Format}\"")}");
        if (string.IsNullOrEmpty(f.SlideId)) throw new InvalidDataException($"tile file '{path}': missing \"slide_id\"");
        if (!(f.SlideMpp > 0) || !(f.TargetMpp > 0) || f.TileSize <= 0)
            throw new InvalidDataException($"tile file '{path}': \"slide_mpp\", \"target_mpp\" and \"tile_size\" must be positive (got {f.SlideMpp}, {f.TargetMpp}, {f.TileSize})");
        var xy = f.Coordinates ?? throw new InvalidDataException($"tile file '{path}': missing \"coordinates\"");
        var frac = f.TissueFractions ?? throw new InvalidDataException($"tile file '{path}': missing \"tissue_fractions\"");
        if (xy.Length != frac.Length)
            throw new InvalidDataException($"tile file '{path}': {xy.Length} coordinates but {frac.Length} tissue fractions");
        var tiles = new TileCoord[xy.Length];
        for (int i = 0; i < xy.Length; i++)
        {
            if (xy[i] is not { Length: 2 } c || c[0] < 0 || c[1] < 0)
                throw new InvalidDataException($"tile file '{path}': coordinates[{i}] must be [x, y] with x, y >= 0");
            tiles[i] = new TileCoord(c[0], c[1], frac[i]);
        }
        return new TileGrid(f.SlideId, f.Source ?? "", f.SlideMpp, f.TargetMpp, f.TileSize, tiles, f.Warning);
    }
}

internal sealed record TileGridFile(
    [property: JsonPropertyName("format")] string? Format,
    [property: JsonPropertyName("slide_id")] string? SlideId,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("slide_mpp")] double SlideMpp,
    [property: JsonPropertyName("target_mpp")] double TargetMpp,
    [property: JsonPropertyName("tile_size")] int TileSize,
    [property: JsonPropertyName("warning")] string? Warning,
    [property: JsonPropertyName("coordinates")] long[][]? Coordinates,
    [property: JsonPropertyName("tissue_fractions")] float[]? TissueFractions);

[JsonSerializable(typeof(TileGridFile))]
internal sealed partial class TileGridJson : JsonSerializerContext;

/// <summary>Lays a grid of tiles at a target MPP over a slide and keeps those with enough tissue.</summary>
public static class Tiler
{
    /// <summary>
    /// Tiles <paramref name="slide"/>: a grid of <see cref="TilingConfig.TileSize"/> pixels at
    /// <see cref="TilingConfig.TargetMpp"/>, from the origin, whole tiles only, kept when their tissue fraction in
    /// <paramref name="tissue"/> reaches <see cref="TilingConfig.MinTissueFraction"/>. Without a mask every tile is kept.
    /// </summary>
    /// <param name="slide">The slide.</param>
    /// <param name="config">Tile size, resolution and threshold.</param>
    /// <param name="tissue">The tissue mask (from <see cref="TissueDetector"/>), or null to keep every tile.</param>
    /// <param name="slideMpp">Level-0 MPP override; <see cref="MissingMppException"/> when neither this nor the file gives one.</param>
    public static TileGrid Tile(ISlide slide, TilingConfig config, TissueMask? tissue = null, double? slideMpp = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(config.TileSize, 1);
        if (!(config.TargetMpp > 0)) throw new ArgumentOutOfRangeException(nameof(config), $"TargetMpp must be positive, got {config.TargetMpp}");
        double mpp0 = slide.ResolveMpp(slideMpp);
        double span = config.TileSize * config.TargetMpp / mpp0;
        var (w0, h0) = slide.LevelDimensions[0];
        long nx = (long)Math.Floor(w0 / span + 1e-9), ny = (long)Math.Floor(h0 / span + 1e-9);
        var tiles = new List<TileCoord>();
        for (long j = 0; j < ny; j++)
            for (long i = 0; i < nx; i++)
            {
                long x = (long)Math.Round(i * span), y = (long)Math.Round(j * span);
                double f = tissue?.FractionIn(x, y, span, span) ?? 1.0;
                if (f >= config.MinTissueFraction)
                    tiles.Add(new TileCoord(x, y, (float)f));
            }
        return new TileGrid(slide.Id, slide.Source, mpp0, config.TargetMpp, config.TileSize, tiles, tissue?.Warning);
    }

    /// <summary>Detects tissue and tiles in one call.</summary>
    public static (TileGrid Grid, TissueMask Tissue) DetectAndTile(ISlide slide, TilingConfig config, TissueDetectionConfig? tissueConfig = null,
        double? slideMpp = null, Action<string>? log = null)
    {
        var mask = TissueDetector.Detect(slide, tissueConfig, slideMpp, log);
        return (Tile(slide, config, mask, slideMpp), mask);
    }
}
