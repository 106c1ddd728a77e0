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
/// The renderer's ground truth: the cells it stamps, enumerated with the same lattices, hashes and acceptance rules as
/// the Stamp* methods (kept beside them; a test checks every marked cell against the rendered DAB and every strongly
/// DAB-positive pixel against a marked cell, so the two cannot drift apart unnoticed).
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

        double grade = _f.Grade;
        double g = 17 + 5 * grade;
        ForLattice(x0, y0, x1, y1, g, (i, j) =>
        {
            ulong h = PointHash.Of(_kTumour, i, j);
            double x = (i + 0.15 + 0.7 * PointHash.Unit(h)) * g, y = (j + 0.15 + 0.7 * PointHash.Unit2(h)) * g;
            if (!Inside(x, y) || fields.Classify(x, y, out float edge) != Compartment.Epithelium || edge < 4) return;
            ulong s = PointHash.Mix(h);
            double a = (5.5 + 4.5 * grade) * (1 + (0.15 + 0.5 * grade) * (PointHash.Unit(s) - 0.5));
            double b = a * (1 - (0.08 + 0.3 * grade) * PointHash.Unit2(s));
            cells.Add(new RenderedCell(CellKind.TumourNucleus, x, y, Math.PI * a * b));
        });
        ForLattice(x0, y0, x1, y1, 34, (i, j) =>
        {
            ulong h = PointHash.Of(_kFibro, i, j);
            double x = (i + PointHash.Unit(h)) * 34, y = (j + PointHash.Unit2(h)) * 34;
            if (!Inside(x, y) || fields.Classify(x, y, out _) is not (Compartment.Stroma or Compartment.BorderStroma) || PointHash.Unit3(h) > 0.55f) return;
            ulong s = PointHash.Mix(h);
            double a = 8 + 4 * PointHash.Unit(s), b = 2.2 + 0.8 * PointHash.Unit2(s);
            cells.Add(new RenderedCell(CellKind.Fibroblast, x, y, Math.PI * a * b));
        });
        ForLattice(x0, y0, x1, y1, 30, (i, j) =>
        {
            ulong h = PointHash.Of(_kInflam, i, j);
            double x = (i + PointHash.Unit(h)) * 30, y = (j + PointHash.Unit2(h)) * 30;
            if (!Inside(x, y)) return;
            float p = fields.Classify(x, y, out _) switch { Compartment.Stroma or Compartment.BorderStroma => 0.10f, Compartment.Epithelium => 0.02f, _ => 0 };
            if (PointHash.Unit3(h) >= p) return;
            double r = 3.4 + 0.6 * PointHash.Unit(PointHash.Mix(h));
            cells.Add(new RenderedCell(CellKind.Inflammatory, x, y, Math.PI * r * r * 0.92));
        });
        double density = (0.004 + 0.09 * _f.Immune) * (_stain == IhcStain.CD4 ? 1.25 : 1.0);
        double inf = _f.Infiltration;
        double wEpi = 0.15 + 1.2 * inf, wBorder = 0.3 + 2.8 * (1 - inf), wStroma = 0.35;
        ForLattice(x0, y0, x1, y1, 24, (i, j) =>
        {
            for (int k = 0; k < 2; k++)
            {
                ulong h = PointHash.Of(_kMarked, i, j, k);
                double x = (i + PointHash.Unit(h)) * 24, y = (j + PointHash.Unit2(h)) * 24;
                if (!Inside(x, y)) continue;
                double w = fields.Classify(x, y, out _) switch
                {
                    Compartment.Epithelium => wEpi,
                    Compartment.BorderStroma => wBorder,
                    Compartment.Stroma => wStroma,
                    _ => 0,
                };
                if (PointHash.Unit3(h) >= density * w) continue;
                ulong s = PointHash.Mix(h);
                if (_stain == IhcStain.CD4 && PointHash.Unit3(s) < 0.12f)
                {
                    cells.Add(new RenderedCell(CellKind.MarkedMacrophage, x, y, Math.PI * 5.5 * 3.8));
                    continue;
                }
                double rn = 3.6 + 0.6 * PointHash.Unit(s);
                cells.Add(new RenderedCell(CellKind.MarkedLymphocyte, x, y, Math.PI * rn * rn));
            }
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
