namespace VPTSurv.Slides;

/// <summary>The quality-control picture of tissue detection and tiling: the thumbnail with the tissue outline (green)
/// and the kept tiles (blue squares).</summary>
public static class TissueQc
{
    private static readonly byte[] Outline = [0, 200, 0];
    private static readonly byte[] Tile = [30, 60, 255];

    /// <summary>Draws the QC thumbnail.</summary>
    public static RgbImage Render(TissueMask tissue, TileGrid? tiles = null)
    {
        int w = tissue.Width, h = tissue.Height;
        var px = (byte[])tissue.Thumbnail.Pixels.Clone();
        if (tiles is not null)
        {
            double s = tiles.Level0TileSize;
            foreach (var t in tiles.Tiles)
            {
                int x0 = (int)Math.Round(t.X / tissue.Downsample.X), y0 = (int)Math.Round(t.Y / tissue.Downsample.Y);
                int x1 = (int)Math.Round((t.X + s) / tissue.Downsample.X) - 1, y1 = (int)Math.Round((t.Y + s) / tissue.Downsample.Y) - 1;
                for (int x = x0; x <= x1; x++) { Put(px, w, h, x, y0, Tile); Put(px, w, h, x, y1, Tile); }
                for (int y = y0; y <= y1; y++) { Put(px, w, h, x0, y, Tile); Put(px, w, h, x1, y, Tile); }
            }
        }
        var m = tissue.Mask;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (!m[i]) continue;
                bool edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || !m[i - 1] || !m[i + 1] || !m[i - w] || !m[i + w];
                if (edge) Put(px, w, h, x, y, Outline);
            }
        return new RgbImage(w, h, px);
    }

    /// <summary>Renders and writes the QC thumbnail as PNG (atomic).</summary>
    public static void Save(string path, TissueMask tissue, TileGrid? tiles = null) => Render(tissue, tiles).SavePng(path);

    private static void Put(byte[] px, int w, int h, int x, int y, byte[] c)
    {
        if ((uint)x >= (uint)w || (uint)y >= (uint)h) return;
        int o = (y * w + x) * 3;
        px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2];
    }
}
