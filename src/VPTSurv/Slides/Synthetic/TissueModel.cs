namespace VPTSurv.Slides.Synthetic;

/// <summary>The tissue compartment at a point of a synthetic slide.</summary>
internal enum Compartment : byte
{
    Glass,
    Stroma,
    BorderStroma, // stroma between tumour nests: where excluded lymphocytes crowd
    Epithelium,
    Lumen,
}

/// <summary>
/// The layout of one synthetic slide as pure functions of level-0 coordinates: tissue outline (an ellipse roughened by
/// fractal noise, with a few tears), tumour zone (low-frequency noise), tumour nests (cells of a jittered, domain-warped
/// Voronoi lattice whose size is set by the architecture factor, separated by stroma bands), gland lumens.
/// The slowly varying fields are defined as the bilinear interpolation of their values on a fixed 8-pixel lattice, so a
/// region can compute them once per lattice point (<see cref="FieldLattice"/>) and still agree with every other region.
/// </summary>
internal sealed class TissueModel
{
    /// <summary>Spacing (level-0 px) of the lattice the slow fields are sampled on.</summary>
    public const int Step = 8;

    // Salts: one independent stream of random choices per purpose.
    private const ulong SaltTissue = 1, SaltHole = 2, SaltZone = 3, SaltNest = 4, SaltBand = 5, SaltFibre = 6, SaltFibreWarp = 7, SaltWarpX = 8, SaltWarpY = 9;

    private readonly ulong _kTissue, _kHole, _kZone, _kNest, _kBand, _kFibre, _kFibreWarp, _kWarpX, _kWarpY;
    private readonly double _cx, _cy, _rx, _ry;
    private readonly double _cosF, _sinF;

    public TissueModel(ulong seed, long width, long height, LatentFactors f)
    {
        _kTissue = PointHash.Key(seed, SaltTissue);
        _kHole = PointHash.Key(seed, SaltHole);
        _kZone = PointHash.Key(seed, SaltZone);
        _kNest = PointHash.Key(seed, SaltNest);
        _kBand = PointHash.Key(seed, SaltBand);
        _kFibre = PointHash.Key(seed, SaltFibre);
        _kFibreWarp = PointHash.Key(seed, SaltFibreWarp);
        _kWarpX = PointHash.Key(seed, SaltWarpX);
        _kWarpY = PointHash.Key(seed, SaltWarpY);
        var shape = PointHash.Of(PointHash.Key(seed, 99), 0, 0);
        _cx = width * (0.46 + 0.08 * PointHash.Unit(shape));
        _cy = height * (0.46 + 0.08 * PointHash.Unit2(shape));
        _rx = width * 0.44;
        _ry = height * 0.44;
        double angle = Math.PI * PointHash.Unit3(shape);
        _cosF = Math.Cos(angle);
        _sinF = Math.Sin(angle);
        // Architecture sets the nest lattice: 448 level-0 px (3.5 Cpu tiles) when cohesive, 192 (1.5 tiles) when fragmented.
        NestCell = 448 - 256 * f.Architecture;
    }

    /// <summary>Side of the nest lattice cell in level-0 pixels (the typical nest diameter).</summary>
    public double NestCell { get; }

    /// <summary>Direction of the collagen fibres (radians), for orienting fibroblast nuclei.</summary>
    public double FibreAngle => Math.Atan2(_sinF, _cosF);

    /// <summary>The slow fields at a lattice point (level-0 px multiples of <see cref="Step"/>).</summary>
    internal SlowFields SampleLattice(long lx, long ly)
    {
        double x = lx * (double)Step, y = ly * (double)Step;
        double dx = (x - _cx) / _rx, dy = (y - _cy) / _ry;
        double r = Math.Sqrt(dx * dx + dy * dy);
        return new SlowFields
        {
            Margin = (float)(1 - r) + 1.1f * (ValueNoise.Fractal(_kTissue, x / 900, y / 900, 3) - 0.5f),
            Hole = ValueNoise.At(_kHole, x / 140, y / 140),
            Zone = ValueNoise.Fractal(_kZone, x / 1300, y / 1300, 2),
            BandHalf = 12f + 16f * ValueNoise.At(_kBand, x / 120, y / 120),
            WarpX = 200f * (ValueNoise.Fractal(_kWarpX, x / 240, y / 240, 2) - 0.5f),
            WarpY = 200f * (ValueNoise.Fractal(_kWarpY, x / 240, y / 240, 2) - 0.5f),
            FibreWarp = 60f * ValueNoise.At(_kFibreWarp, x / 400, y / 400),
        };
    }

    /// <summary>Classifies (x, y) given its interpolated slow fields; <paramref name="edge"/> is the signed distance
    /// (level-0 px) to the nest edge, positive inside epithelium, -infinity outside the tumour zone.</summary>
    internal Compartment Classify(double x, double y, in SlowFields s, NestSeeds? seeds, out float edge)
    {
        edge = float.NegativeInfinity;
        if (s.Margin <= 0) return Compartment.Glass;
        if (s.Hole < 0.035f) return Compartment.Glass;
        if (s.Zone < 0.47f) return Compartment.Stroma;

        NearestNests(x + s.WarpX, y + s.WarpY, seeds, out double border, out double d1, out ulong nest);
        edge = (float)border - s.BandHalf;
        if (edge <= 0) return Compartment.BorderStroma;
        // Half of the nests are glands with a lumen; its radius does not depend on the nest size (architecture).
        if (PointHash.Unit3(nest) < 0.5f && d1 < 10 + 26 * PointHash.Unit(PointHash.Mix(nest))) return Compartment.Lumen;
        return Compartment.Epithelium;
    }

    /// <summary>A nest centre: its lattice cell's hash and position.</summary>
    internal (double X, double Y, ulong Hash) NestSeed(long i, long j)
    {
        ulong h = PointHash.Of(_kNest, i, j);
        return ((i + 0.1 + 0.8 * PointHash.Unit(h)) * NestCell, (j + 0.1 + 0.8 * PointHash.Unit2(h)) * NestCell, h);
    }

    /// <summary>Distance to the bisector between the nearest two nest centres, distance to the nearest, its hash.</summary>
    private void NearestNests(double x, double y, NestSeeds? seeds, out double border, out double d1, out ulong nest)
    {
        double L = NestCell;
        long ix = (long)Math.Floor(x / L), iy = (long)Math.Floor(y / L);
        double best = double.MaxValue, second = double.MaxValue;
        double bx = 0, by = 0, sx = 0, sy = 0;
        ulong bh = 0;
        for (long j = iy - 1; j <= iy + 1; j++)
            for (long i = ix - 1; i <= ix + 1; i++)
            {
                var (px, py, h) = seeds is not null && seeds.TryGet(i, j, out var c) ? c : NestSeed(i, j);
                double dd = (px - x) * (px - x) + (py - y) * (py - y);
                if (dd < best)
                {
                    second = best; sx = bx; sy = by;
                    best = dd; bx = px; by = py; bh = h;
                }
                else if (dd < second)
                {
                    second = dd; sx = px; sy = py;
                }
            }
        double sep = Math.Sqrt((sx - bx) * (sx - bx) + (sy - by) * (sy - by));
        border = (second - best) / (2 * sep);
        d1 = Math.Sqrt(best);
        nest = bh;
    }

    /// <summary>Collagen fibre texture of the stroma in [0, 1): noise stretched along the fibre direction, warped by
    /// a slow field so that fibres wave.</summary>
    public float Fibre(double x, double y, in SlowFields s)
    {
        double u = x * _cosF + y * _sinF, v = -x * _sinF + y * _cosF + s.FibreWarp;
        return ValueNoise.At(_kFibre, u / 70, v / 4.5);
    }
}

/// <summary>The slowly varying fields at a point (see <see cref="TissueModel"/>).</summary>
internal struct SlowFields
{
    public float Margin, Hole, Zone, BandHalf, WarpX, WarpY, FibreWarp;

    public static SlowFields Lerp(in SlowFields a, in SlowFields b, in SlowFields c, in SlowFields d, float tx, float ty)
    {
        return new SlowFields
        {
            Margin = Bi(a.Margin, b.Margin, c.Margin, d.Margin, tx, ty),
            Hole = Bi(a.Hole, b.Hole, c.Hole, d.Hole, tx, ty),
            Zone = Bi(a.Zone, b.Zone, c.Zone, d.Zone, tx, ty),
            BandHalf = Bi(a.BandHalf, b.BandHalf, c.BandHalf, d.BandHalf, tx, ty),
            WarpX = Bi(a.WarpX, b.WarpX, c.WarpX, d.WarpX, tx, ty),
            WarpY = Bi(a.WarpY, b.WarpY, c.WarpY, d.WarpY, tx, ty),
            FibreWarp = Bi(a.FibreWarp, b.FibreWarp, c.FibreWarp, d.FibreWarp, tx, ty),
        };
    }

    private static float Bi(float a, float b, float c, float d, float tx, float ty)
    {
        float top = a + (b - a) * tx, bottom = c + (d - c) * tx;
        return top + (bottom - top) * ty;
    }
}

/// <summary>Nest centres of a rectangle of nest-lattice cells, computed once per region.</summary>
internal sealed class NestSeeds
{
    private readonly long _i0, _j0;
    private readonly int _w, _h;
    private readonly (double, double, ulong)[] _seeds;

    public NestSeeds(TissueModel model, double minX, double minY, double maxX, double maxY)
    {
        double L = model.NestCell;
        _i0 = (long)Math.Floor(minX / L) - 1;
        _j0 = (long)Math.Floor(minY / L) - 1;
        _w = (int)((long)Math.Floor(maxX / L) + 1 - _i0 + 1);
        _h = (int)((long)Math.Floor(maxY / L) + 1 - _j0 + 1);
        _seeds = new (double, double, ulong)[_w * _h];
        for (int j = 0; j < _h; j++)
            for (int i = 0; i < _w; i++)
                _seeds[j * _w + i] = model.NestSeed(_i0 + i, _j0 + j);
    }

    public bool TryGet(long i, long j, out (double, double, ulong) seed)
    {
        long a = i - _i0, b = j - _j0;
        if (a < 0 || b < 0 || a >= _w || b >= _h) { seed = default; return false; }
        seed = _seeds[b * _w + a];
        return true;
    }
}

/// <summary>
/// The slow fields of a region, sampled once per lattice point; points outside the sampled rectangle fall back to
/// sampling their four lattice corners, with the same interpolation, hence the same values.
/// </summary>
internal sealed class FieldLattice
{
    private readonly TissueModel _model;
    private readonly long _lx0, _ly0;
    private readonly int _w, _h;
    private readonly SlowFields[] _grid;
    private readonly NestSeeds _seeds;

    public FieldLattice(TissueModel model, double minX, double minY, double maxX, double maxY)
    {
        _model = model;
        _lx0 = (long)Math.Floor(minX / TissueModel.Step);
        _ly0 = (long)Math.Floor(minY / TissueModel.Step);
        _w = (int)((long)Math.Floor(maxX / TissueModel.Step) + 2 - _lx0);
        _h = (int)((long)Math.Floor(maxY / TissueModel.Step) + 2 - _ly0);
        _grid = new SlowFields[_w * _h];
        for (int j = 0; j < _h; j++)
            for (int i = 0; i < _w; i++)
                _grid[j * _w + i] = model.SampleLattice(_lx0 + i, _ly0 + j);
        // Warp moves nest queries by up to 100 px; the seed table covers that (and falls back to hashing beyond).
        _seeds = new NestSeeds(model, minX - 100, minY - 100, maxX + 100, maxY + 100);
    }

    public TissueModel Model => _model;

    public SlowFields Fields(double x, double y)
    {
        double gx = x / TissueModel.Step, gy = y / TissueModel.Step;
        double fx = Math.Floor(gx), fy = Math.Floor(gy);
        long lx = (long)fx, ly = (long)fy;
        float tx = (float)(gx - fx), ty = (float)(gy - fy);
        long a = lx - _lx0, b = ly - _ly0;
        if (a >= 0 && b >= 0 && a + 1 < _w && b + 1 < _h)
        {
            int o = (int)(b * _w + a);
            return SlowFields.Lerp(_grid[o], _grid[o + 1], _grid[o + _w], _grid[o + _w + 1], tx, ty);
        }
        return SlowFields.Lerp(_model.SampleLattice(lx, ly), _model.SampleLattice(lx + 1, ly),
            _model.SampleLattice(lx, ly + 1), _model.SampleLattice(lx + 1, ly + 1), tx, ty);
    }

    public Compartment Classify(double x, double y, out float edge) => _model.Classify(x, y, Fields(x, y), _seeds, out edge);

    public Compartment Classify(double x, double y, in SlowFields fields, out float edge) => _model.Classify(x, y, fields, _seeds, out edge);
}
