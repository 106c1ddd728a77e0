namespace VPTSurv.Slides.Synthetic;

/// <summary>Which kind of cell the renderer stamped.</summary>
internal enum CellKind : byte
{
    TumourNucleus,
    Fibroblast,
    Inflammatory,    // unmarked (DAB-negative) inflammatory cell
    MarkedLymphocyte, // DAB-positive CD4/CD8 lymphocyte
    MarkedMacrophage, // CD4's weakly DAB-positive macrophage
}

/// <summary>One stamped cell: its kind, centre (level-0 px) and nuclear area (level-0 px², π·a·b of the nucleus stamp).</summary>
internal readonly record struct RenderedCell(CellKind Kind, double X, double Y, double NucleusArea);

/// <summary>
/// The renderer's ground truth: the cells it stamps, enumerated on the same lattices through the same placement rules
/// as the Stamp* methods (SyntheticRenderer.Placement.cs; a test checks every marked cell against the rendered DAB and
/// every strongly DAB-positive pixel against a marked cell).
/// </summary>
internal sealed partial class SyntheticRenderer
{
    /// <summary>A renderer equal to the one <paramref name="slide"/> draws with (for ground truth beside its pixels).</summary>
    public static SyntheticRenderer For(SyntheticSlide slide)
    {
        var (width, height) = slide.LevelDimensions[0];
        return new SyntheticRenderer(slide.SpecRecord, width, height, slide.Config);
    }

    /// <summary>Every cell whose centre lies in the level-0 box [x0, x1) × [y0, y1).</summary>
    public List<RenderedCell> Cells(double x0, double y0, double x1, double y1)
    {
        var fields = new FieldLattice(_model, x0, y0, x1, y1);
        var cells = new List<RenderedCell>();
        bool Inside(double x, double y) => x >= x0 && x < x1 && y >= y0 && y < y1 && x < _width && y < _height;

        Func<double, double, bool> inside = Inside;
        void Add(PlacedCell? placed)
        {
            if (placed is { } p) cells.Add(new RenderedCell(p.Kind, p.X, p.Y, p.Area));
        }
        ForLattice(x0, y0, x1, y1, TumourLattice, (i, j) => Add(TumourNucleusAt(fields, i, j, inside)));
        ForLattice(x0, y0, x1, y1, 34, (i, j) => Add(FibroblastAt(fields, i, j, inside)));
        ForLattice(x0, y0, x1, y1, 30, (i, j) => Add(InflammatoryAt(fields, i, j, inside)));
        ForLattice(x0, y0, x1, y1, 24, (i, j) =>
        {
            for (int k = 0; k < 2; k++) Add(MarkedCellAt(fields, i, j, k, inside));
        });
        return cells;
    }

    /// <summary>Shares of a region's pixel centres (level with downsample <paramref name="ds"/>) on tissue and on epithelium.</summary>
    public (double Tissue, double Epithelium) CompartmentShares(long x0, long y0, long ds, int w, int h)
    {
        var lattice = new FieldLattice(_model, x0, y0, x0 + w * ds, y0 + h * ds);
        int tissue = 0, epithelium = 0;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
            {
                double cx = x0 + i * ds + 0.5 * ds, cy = y0 + j * ds + 0.5 * ds;
                if (cx >= _width || cy >= _height || cx < 0 || cy < 0) continue;
                var c = lattice.Classify(cx, cy, out _);
                if (c is Compartment.Stroma or Compartment.BorderStroma or Compartment.Epithelium) tissue++;
                if (c is Compartment.Epithelium) epithelium++;
            }
        return (tissue / (double)(w * h), epithelium / (double)(w * h));
    }

    /// <summary>Visits the cells of a lattice of side <paramref name="g"/> whose points can fall in the box.</summary>
    private static void ForLattice(double x0, double y0, double x1, double y1, double g, Action<long, long> visit)
    {
        long i0 = (long)Math.Floor(x0 / g) - 1, i1 = (long)Math.Floor(x1 / g) + 1;
        long j0 = (long)Math.Floor(y0 / g) - 1, j1 = (long)Math.Floor(y1 / g) + 1;
        for (long j = j0; j <= j1; j++)
            for (long i = i0; i <= i1; i++)
                visit(i, j);
    }
}
