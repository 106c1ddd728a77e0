using VPTSurv.Slides;

namespace VPTSurv.Training;

/// <summary>
/// Tile positions as the training engine carries them (tile pools, feature caches, <see cref="TileBatch"/>,
/// <see cref="Decoders.Bag.Coordinates"/>): the (x, y) of each tile's top-left corner in pixels at the tiles' own
/// resolution (the target MPP), i.e. the tiler's grid cell (column, row) times the tile size. On every slide, whatever
/// its scanner's level-0 MPP, neighbouring tiles are exactly one tile size apart, which is what the spatial decoders
/// use: Patch-GCN's k-nearest-neighbour graph and HVTSurv's window grid (<see cref="Decoders.HvtSurvConfig.TileSize"/>
/// = the preset's tile size). Level-0 pixels are <c>x · TargetMpp / SlideMpp</c> (<see cref="TileGrid.Level0TileSize"/> per step).
/// </summary>
public static class TilePositions
{
    /// <summary>
    /// Positions of the tiles <paramref name="indices"/> of <paramref name="grid"/> as (x0, y0, x1, y1, …): the tiler's
    /// level-0 corner divided by the level-0 tile step and rounded back to its grid cell (the tiler rounds each corner
    /// to whole level-0 pixels), times <see cref="TileGrid.TileSize"/>.
    /// </summary>
    public static float[] Of(TileGrid grid, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(indices);
        double step = grid.Level0TileSize;
        var xy = new float[indices.Count * 2];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)grid.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"slide '{grid.SlideId}': tile {i} outside its grid of {grid.Count}");
            var c = grid.Tiles[i];
            xy[2 * k] = (float)(Math.Round(c.X / step) * grid.TileSize);
            xy[2 * k + 1] = (float)(Math.Round(c.Y / step) * grid.TileSize);
        }
        return xy;
    }
}
