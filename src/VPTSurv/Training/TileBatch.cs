using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// The tiles of one bag as the model takes them: (N, 3, T, T) uint8, the scale context when asked for, and each tile's
/// position (see <see cref="TilePositions"/>: top-left corner in pixels at the target MPP) for spatial decoders.
/// </summary>
/// <param name="SlideId">The slide.</param>
/// <param name="Tiles">(N, 3, T, T) uint8 RGB.</param>
/// <param name="Context">(N, 3, T, T) uint8 RGB scale context, or null.</param>
/// <param name="Positions">(N, 2) float32 (x, y) in pixels at the target MPP (<see cref="TilePositions"/>), or null when the source has none.</param>
public sealed record TileBatch(string SlideId, Tensor Tiles, Tensor? Context, Tensor? Positions = null) : IDisposable
{
    /// <summary>Number of tiles N.</summary>
    public long Count => Tiles.shape[0];

    /// <summary>
    /// The bag as the model reads it (tiles, context, positions) with the patient's <paramref name="covariates"/> (or
    /// null) and the tiles' <paramref name="mpp"/> when known. A view: the batch still owns its tensors.
    /// </summary>
    public SlideInput Input(Tensor? covariates = null, double? mpp = null) => new(Tiles, Context, covariates, Positions, mpp);

    /// <inheritdoc />
    public void Dispose()
    {
        Tiles.Dispose();
        Context?.Dispose();
        Positions?.Dispose();
    }
}

/// <summary>One bag to load: a slide and which of its candidate tiles (indices into <see cref="TileSource.CountOf"/>).</summary>
/// <param name="SlideId">The slide.</param>
/// <param name="Indices">Candidate tile indices, in bag order.</param>
public sealed record TileRequest(string SlideId, int[] Indices);

/// <summary>
/// Where bags come from. The trainer draws tile indices itself (seeded per seed, epoch and slide), so every source
/// gives the same bags for the same run: <see cref="TilePoolSource"/> from a cached in-memory pool per slide,
/// <see cref="LiveTileSource"/> straight from the slides with the parallel bag loader.
/// </summary>
public abstract class TileSource : IDisposable
{
    /// <summary>Candidate tiles of a slide.</summary>
    public abstract int CountOf(string slideId);

    /// <summary>What the candidate tiles of a slide are (source, reader, MPPs, tile size, selection), for cache keys.</summary>
    public abstract string Identity(string slideId);

    /// <summary>
    /// Bags for <paramref name="requests"/>, in order, possibly loaded ahead of the consumer. Each batch is created on
    /// the consuming thread; the consumer disposes it.
    /// </summary>
    public abstract IEnumerable<TileBatch> Load(IEnumerable<TileRequest> requests);

    /// <summary>Releases slides and buffers.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
