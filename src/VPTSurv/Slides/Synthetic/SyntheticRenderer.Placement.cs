namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// Where the point processes put cells, in one place for the renderer's Stamp* methods and for the census of
/// <see cref="SyntheticRenderer.Cells"/>: each lattice point's hash, the compartment test and the nucleus size.
/// </summary>
internal sealed partial class SyntheticRenderer
{
    /// <summary>
    /// A placed cell: its kind, centre and nucleus semi-axes (level-0 px), its nuclear area as the census reports it,
    /// and the hash its other features (angle, stain, cytoplasm) are drawn from.
    /// </summary>
    private readonly record struct PlacedCell(CellKind Kind, double X, double Y, double A, double B, double Area, ulong Shape);

    private static readonly Func<double, double, bool> Anywhere = (_, _) => true;

    /// <summary>Lattice side of the tumour nuclei (denser and larger with grade).</summary>
    private double TumourLattice => 17 + 5 * _f.Grade;

    /// <summary>The tumour nucleus of lattice point (i, j), if it lies in <paramref name="accept"/>ed epithelium away from its edge.</summary>
    private PlacedCell? TumourNucleusAt(FieldLattice fields, long i, long j, Func<double, double, bool> accept)
    {
        double grade = _f.Grade, g = TumourLattice;
        ulong h = PointHash.Of(_kTumour, i, j);
        double x = (i + 0.15 + 0.7 * PointHash.Unit(h)) * g, y = (j + 0.15 + 0.7 * PointHash.Unit2(h)) * g;
        if (!accept(x, y) || fields.Classify(x, y, out float edge) != Compartment.Epithelium || edge < 4) return null;
        ulong s = PointHash.Mix(h);
        // Grade: larger, more variable, more elongated nuclei.
        double a = (5.5 + 4.5 * grade) * (1 + (0.15 + 0.5 * grade) * (PointHash.Unit(s) - 0.5));
        double b = a * (1 - (0.08 + 0.3 * grade) * PointHash.Unit2(s));
        return new PlacedCell(CellKind.TumourNucleus, x, y, a, b, Math.PI * a * b, s);
    }

    /// <summary>The fibroblast of lattice point (i, j) on the 34-px lattice, if it falls in stroma.</summary>
    private PlacedCell? FibroblastAt(FieldLattice fields, long i, long j, Func<double, double, bool> accept)
    {
        ulong h = PointHash.Of(_kFibro, i, j);
        double x = (i + PointHash.Unit(h)) * 34, y = (j + PointHash.Unit2(h)) * 34;
        if (!accept(x, y) || fields.Classify(x, y, out _) is not (Compartment.Stroma or Compartment.BorderStroma) || PointHash.Unit3(h) > 0.55f) return null;
        ulong s = PointHash.Mix(h);
        double a = 8 + 4 * PointHash.Unit(s), b = 2.2 + 0.8 * PointHash.Unit2(s);
        return new PlacedCell(CellKind.Fibroblast, x, y, a, b, Math.PI * a * b, s);
    }

    /// <summary>The unmarked inflammatory cell of lattice point (i, j) on the 30-px lattice (mostly in stroma).</summary>
    private PlacedCell? InflammatoryAt(FieldLattice fields, long i, long j, Func<double, double, bool> accept)
    {
        ulong h = PointHash.Of(_kInflam, i, j);
        double x = (i + PointHash.Unit(h)) * 30, y = (j + PointHash.Unit2(h)) * 30;
        if (!accept(x, y)) return null;
        float p = fields.Classify(x, y, out _) switch { Compartment.Stroma or Compartment.BorderStroma => 0.10f, Compartment.Epithelium => 0.02f, _ => 0 };
        if (PointHash.Unit3(h) >= p) return null;
        double r = 3.4 + 0.6 * PointHash.Unit(PointHash.Mix(h));
        return new PlacedCell(CellKind.Inflammatory, x, y, r, r * 0.92, Math.PI * r * r * 0.92, h);
    }

    /// <summary>
    /// The marked (DAB-positive) cell k of lattice point (i, j) on the 24-px lattice: density from the immune factor,
    /// placement from infiltration; under CD4 some are macrophages.
    /// </summary>
    private PlacedCell? MarkedCellAt(FieldLattice fields, long i, long j, int k, Func<double, double, bool> accept)
    {
        double density = (0.004 + 0.09 * _f.Immune) * (_stain == IhcStain.CD4 ? 1.25 : 1.0);
        double inf = _f.Infiltration;
        // Weights keep the expected count roughly independent of infiltration (epithelium is ~70% of a tumour zone).
        double wEpi = 0.15 + 1.2 * inf, wBorder = 0.3 + 2.8 * (1 - inf), wStroma = 0.35;
        ulong h = PointHash.Of(_kMarked, i, j, k);
        double x = (i + PointHash.Unit(h)) * 24, y = (j + PointHash.Unit2(h)) * 24;
        if (!accept(x, y)) return null;
        double w = fields.Classify(x, y, out _) switch
        {
            Compartment.Epithelium => wEpi,
            Compartment.BorderStroma => wBorder,
            Compartment.Stroma => wStroma,
            _ => 0,
        };
        if (PointHash.Unit3(h) >= density * w) return null;
        ulong s = PointHash.Mix(h);
        // CD4 also marks macrophages weakly: large, pale brown cells with a kidney-shaped nucleus.
        if (_stain == IhcStain.CD4 && PointHash.Unit3(s) < 0.12f)
            return new PlacedCell(CellKind.MarkedMacrophage, x, y, 5.5, 3.8, Math.PI * 5.5 * 3.8, s);
        double rn = 3.6 + 0.6 * PointHash.Unit(s);
        return new PlacedCell(CellKind.MarkedLymphocyte, x, y, rn, rn, Math.PI * rn * rn, s);
    }
}
