using VPTSurv.Data;
using VPTSurv.Slides;

namespace VPTSurv.Training;

/// <summary>
/// Bags read from the slides at every request (the paper's setting for real WSIs): tissue detection and tiling once
/// per slide, then the parallel <see cref="BagLoader"/> with prefetch, so reading overlaps the model's work. Each
/// batch carries its tiles' positions (<see cref="TilePositions"/>).
/// </summary>
public sealed class LiveTileSource : TileSource
{
    private readonly Dictionary<string, (ISlide Slide, TileGrid Grid)> _slides = new(StringComparer.Ordinal);
    private readonly BagLoader _loader;

    /// <summary>Opens and tiles <paramref name="slides"/>; <paramref name="options"/> sets threads, prefetch and context.</summary>
    public LiveTileSource(Cohort cohort, IEnumerable<SlideRecord> slides, int tileSize, double targetMpp, BagLoaderOptions options, double minTissueFraction = 0.5,
        Action<SlideRecord, Exception>? onFailure = null)
    {
        _loader = new BagLoader(options);
        foreach (var record in slides)
        {
            if (_slides.ContainsKey(record.SlideId)) continue;
            ISlide? slide = null;
            try
            {
                slide = cohort.OpenSlide(record);
                var (grid, _) = Tiler.DetectAndTile(slide, new TilingConfig(tileSize, targetMpp, minTissueFraction));
                if (grid.Count == 0)
                    throw new InvalidDataException($"slide '{record.SlideId}' ({record.Source}): no tissue tile{(grid.Warning is null ? "" : $" ({grid.Warning})")}");
                _slides[record.SlideId] = (slide, grid);
            }
            catch (Exception e) when (onFailure is not null && e is IOException or InvalidDataException or ArgumentException or FormatException)
            {
                slide?.Dispose();
                onFailure(record, e);
            }
            catch
            {
                slide?.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public override int CountOf(string slideId) => Get(slideId).Grid.Count;

    /// <summary>Whether the slide was opened (false when it failed and was reported).</summary>
    public bool Contains(string slideId) => _slides.ContainsKey(slideId);

    /// <inheritdoc />
    public override string Identity(string slideId)
    {
        var (slide, g) = Get(slideId);
        return string.Join('|', "live", g.Source, slide.ReaderName, g.SlideMpp.ToString("R"), g.TargetMpp.ToString("R"), g.TileSize, g.Count);
    }

    /// <inheritdoc />
    public override IEnumerable<TileBatch> Load(IEnumerable<TileRequest> requests)
    {
        foreach (var bag in _loader.Load(requests.Select(r =>
                 {
                     var (slide, grid) = Get(r.SlideId);
                     return new BagRequest(slide, grid, r.Indices);
                 })))
        {
            bag.Coordinates.Dispose(); // level-0; the engine carries target-MPP positions (TilePositions)
            var xy = TilePositions.Of(Get(bag.SlideId).Grid, bag.TileIndices);
            yield return new TileBatch(bag.SlideId, bag.Tiles, bag.Context, TorchSharp.torch.tensor(xy, [xy.Length / 2, 2], TorchSharp.torch.ScalarType.Float32)); // (N, 2)
        }
    }

    private (ISlide Slide, TileGrid Grid) Get(string id) =>
        _slides.TryGetValue(id, out var s) ? s : throw new KeyNotFoundException($"Slide '{id}' was not opened by this source.");

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var (slide, _) in _slides.Values) slide.Dispose();
        _slides.Clear();
        base.Dispose();
    }
}
