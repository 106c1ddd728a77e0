using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Pretraining;

/// <summary>
/// Where pretraining tiles come from: random <see cref="TileSize"/>² regions at <see cref="MicronsPerPixel"/> of
/// slides. By default these are <see cref="SyntheticPretrainingSlides"/> (random latent factors and stains, seeds above
/// every cohort seed), so the encoder never sees a cohort slide or a survival label; set <see cref="SlideSources"/> to
/// pretrain on your own unlabelled slides (file paths or synthetic specs, anything <see cref="SlideSource.Open"/> reads).
/// </summary>
/// <param name="Slides">Number of synthetic pretraining slides (ignored when <paramref name="SlideSources"/> is set).</param>
/// <param name="TilesPerSlide">Tiles drawn from each slide.</param>
/// <param name="TileSize">Tile side T in pixels (the encoder's input size).</param>
/// <param name="MicronsPerPixel">Resolution the tiles are read at.</param>
/// <param name="MaxBackgroundShare">
/// Upper bound on the share of mostly-background tiles per slide: a generic encoder should know glass, but a pool that
/// is half glass wastes the budget.
/// </param>
/// <param name="SlideSources">Slides to read instead of synthetic pretraining slides, or null.</param>
public sealed record MaeTileSource(int Slides, int TilesPerSlide, int TileSize, double MicronsPerPixel,
    double MaxBackgroundShare = 0.2, IReadOnlyList<string>? SlideSources = null)
{
    /// <summary>Tiles from <paramref name="slides"/> synthetic pretraining slides (outside every cohort).</summary>
    public static MaeTileSource Synthetic(int slides = 48, int tilesPerSlide = 128, int tileSize = 64, double micronsPerPixel = 1.0) =>
        new(slides, tilesPerSlide, tileSize, micronsPerPixel);

    /// <summary>Tiles from the user's own slides (paths or specs), <paramref name="tilesPerSlide"/> each.</summary>
    public static MaeTileSource FromSlides(IReadOnlyList<string> sources, int tilesPerSlide, int tileSize, double micronsPerPixel) =>
        new(sources.Count, tilesPerSlide, tileSize, micronsPerPixel, SlideSources: sources);

    /// <summary>Total tiles in the pool.</summary>
    public int Count => checked((SlideSources?.Count ?? Slides) * TilesPerSlide);

    /// <summary>Throws naming the field unless the source can produce a pool.</summary>
    public void Validate()
    {
        if ((SlideSources?.Count ?? Slides) <= 0)
            throw new ArgumentException($"MaeTileSource: need at least one slide, got {SlideSources?.Count ?? Slides}.");
        if (TilesPerSlide <= 0) throw new ArgumentException($"MaeTileSource.TilesPerSlide must be positive, got {TilesPerSlide}.");
        if (TileSize <= 0) throw new ArgumentException($"MaeTileSource.TileSize must be positive, got {TileSize}.");
        if (!(MicronsPerPixel > 0 && double.IsFinite(MicronsPerPixel)))
            throw new ArgumentException($"MaeTileSource.MicronsPerPixel must be positive and finite, got {MicronsPerPixel}.");
        if (!(MaxBackgroundShare >= 0 && MaxBackgroundShare <= 1))
            throw new ArgumentException($"MaeTileSource.MaxBackgroundShare must be in [0, 1], got {MaxBackgroundShare}.");
    }

    /// <summary>Opens the slides this source reads (the caller disposes them).</summary>
    public IReadOnlyList<ISlide> OpenSlides(ulong seed) => SlideSources is null
        ? SyntheticPretrainingSlides.Create(Slides, seed)
        : SlideSources.Select(s => SlideSource.Open(s)).ToList();
}
