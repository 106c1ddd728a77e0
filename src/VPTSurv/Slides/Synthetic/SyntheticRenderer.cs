namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// Renders any region of a synthetic slide at any pyramid level. Stain amounts (hematoxylin, DAB) are laid down per
/// pixel as optical densities: a background by compartment, then cells stamped from seeded point processes on fixed
/// lattices (combined with max, so the order of stamping does not matter); Beer–Lambert turns them into RGB, a 3-tap
/// focus blur and hashed camera noise finish. Every input to a pixel is a function of its level-0 coordinates, so a
/// pixel reads the same whichever region contains it.
/// </summary>
internal sealed partial class SyntheticRenderer
{
    private const ulong SaltTumour = 11, SaltFibro = 12, SaltInflam = 13, SaltMarked = 14, SaltChromatin = 15, SaltNoise = 16, SaltEpi = 17, SaltBatch = 18;
    private const int Margin = 1;          // padding consumed by the 3-tap blur
    private const double MaxCellRadius = 14; // level-0 px: no cell's stain reaches further than this (+ one pixel) from its centre
    private const float Ln10 = 2.30258509f;

    // Glass and mounting medium: a faint residual absorption, slightly stronger in blue (a warm white).
    private const float GlassR = 0.016f, GlassG = 0.018f, GlassB = 0.026f;

    private readonly TissueModel _model;
    private readonly LatentFactors _f;
    private readonly IhcStain _stain;
    private readonly long _width, _height;
    private readonly ulong _seed;
    private readonly float _noiseSigma;
    private readonly ulong _kTumour, _kFibro, _kInflam, _kMarked, _kChromatin, _kEpi;
    private readonly OdVector _hv, _dv;
    private readonly float _hemaScale, _dabScale;

    public SyntheticRenderer(SyntheticSlideSpec spec, long width, long height, SyntheticRenderConfig config)
    {
        _seed = spec.Seed;
        _f = spec.Factors;
        _stain = spec.Stain;
        _width = width;
        _height = height;
        _model = new TissueModel(spec.Seed, width, height, spec.Factors);
        _noiseSigma = (float)config.NoiseSigma;
        _kTumour = PointHash.Key(_seed, SaltTumour);
        _kFibro = PointHash.Key(_seed, SaltFibro);
        _kInflam = PointHash.Key(_seed, SaltInflam);
        _kMarked = PointHash.Key(_seed, SaltMarked);
        _kChromatin = PointHash.Key(_seed, SaltChromatin);
        _kEpi = PointHash.Key(_seed, SaltEpi);
        _hv = StainVectors.RuifrokJohnstonHDab.Hematoxylin;
        _dv = StainVectors.RuifrokJohnstonHDab.Dab;
        // Staining batches differ: each slide's hematoxylin and DAB are 12% stronger or weaker at most (a nuisance
        // that carries no survival signal).
        var batch = PointHash.Of(PointHash.Key(_seed, SaltBatch), 0, 0);
        _hemaScale = 0.88f + 0.24f * PointHash.Unit(batch);
        _dabScale = 0.88f + 0.24f * PointHash.Unit2(batch);
    }

    public TissueModel Model => _model;

    /// <summary>A w x h region of the level with downsample <paramref name="ds"/>, top-left at level-0 (x0, y0).</summary>
    public RgbImage Render(long x0, long y0, long ds, int w, int h)
    {
        int W = w + 2 * Margin, H = h + 2 * Margin;
        var canvas = new Canvas(_model, x0 - Margin * ds, y0 - Margin * ds, ds, W, H);
        PaintBackground(canvas);
        StampTumourNuclei(canvas);
        StampStromalCells(canvas);
        StampMarkedCells(canvas);
        return Develop(canvas, x0, y0, w, h);
    }

    /// <summary>True where the pixel centre lies on tissue (not glass, tears or gland lumens).</summary>
    public bool[] TissueMask(long x0, long y0, long ds, int w, int h)
    {
        var mask = new bool[w * h];
        var lattice = new FieldLattice(_model, x0, y0, x0 + w * ds, y0 + h * ds);
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
            {
                double cx = x0 + i * ds + 0.5 * ds, cy = y0 + j * ds + 0.5 * ds;
                if (cx >= _width || cy >= _height || cx < 0 || cy < 0) continue;
                var c = lattice.Classify(cx, cy, out _);
                mask[j * w + i] = c is Compartment.Stroma or Compartment.BorderStroma or Compartment.Epithelium;
            }
        return mask;
    }

    /// <summary>Per-pixel stain amounts of a padded region, in level-0 geometry.</summary>
    private sealed class Canvas(TissueModel model, long originX, long originY, long ds, int w, int h)
    {
        public readonly long OriginX = originX, OriginY = originY, Ds = ds;
        public readonly int W = w, H = h;
        public readonly float[] Hema = new float[w * h];
        public readonly float[] Dab = new float[w * h];
        public readonly bool[] Inside = new bool[w * h];

        // Slow fields over the canvas and every cell centre that can reach it.
        public readonly FieldLattice Fields = new(model,
            originX - MaxCellRadius - ds, originY - MaxCellRadius - ds,
            originX + w * ds + MaxCellRadius + ds, originY + h * ds + MaxCellRadius + ds);

        public double CentreX(int i) => OriginX + i * Ds + 0.5 * Ds;
        public double CentreY(int j) => OriginY + j * Ds + 0.5 * Ds;
    }

    private void PaintBackground(Canvas c)
    {
        bool fine = c.Ds <= 2; // fibre and cytoplasm textures average out at coarser levels
        for (int j = 0; j < c.H; j++)
        {
            double cy = c.CentreY(j);
            for (int i = 0; i < c.W; i++)
            {
                double cx = c.CentreX(i);
                int p = j * c.W + i;
                if (cx < 0 || cy < 0 || cx >= _width || cy >= _height) continue;
                c.Inside[p] = true;
                var fields = c.Fields.Fields(cx, cy);
                switch (c.Fields.Classify(cx, cy, fields, out _))
                {
                    case Compartment.Stroma:
                    case Compartment.BorderStroma:
                        {
                            // IHC has no eosin: stroma is the counterstain's faint blue-grey, fibrous.
                            float fib = fine ? _model.Fibre(cx, cy, fields) : 0.5f;
                            c.Hema[p] = 0.02f + 0.08f * fib * fib;
                            c.Dab[p] = 0.008f + 0.012f * fib;
                            break;
                        }
                    case Compartment.Epithelium:
                        {
                            float t = fine ? ValueNoise.At(_kEpi, cx / 6, cy / 6) : 0.5f;
                            c.Hema[p] = 0.07f + 0.03f * t; // cytoplasm: denser than stroma, smooth
                            c.Dab[p] = 0.02f + 0.012f * t;
                            break;
                        }
                    case Compartment.Lumen:
                        c.Hema[p] = 0.02f;
                        break;
                }
            }
        }
    }

    // ---- cells -------------------------------------------------------------------------------------------------------

    /// <summary>Visits every lattice cell of side <paramref name="g"/> whose cells could reach the canvas.</summary>
    private static void ForCells(Canvas c, double g, Action<long, long> visit)
    {
        double reach = MaxCellRadius + c.Ds;
        double minX = c.OriginX - reach, maxX = c.OriginX + c.W * c.Ds + reach;
        double minY = c.OriginY - reach, maxY = c.OriginY + c.H * c.Ds + reach;
        long i0 = (long)Math.Floor(minX / g), i1 = (long)Math.Floor(maxX / g);
        long j0 = (long)Math.Floor(minY / g), j1 = (long)Math.Floor(maxY / g);
        for (long j = j0; j <= j1; j++)
            for (long i = i0; i <= i1; i++)
                visit(i, j);
    }

    private void StampTumourNuclei(Canvas c)
    {
        double grade = _f.Grade;
        ForCells(c, TumourLattice, (i, j) =>
        {
            if (TumourNucleusAt(c.Fields, i, j, Anywhere) is not { } n) return;
            // Grade: darker nuclei with coarse chromatin and nucleoli.
            double angle = Math.PI * PointHash.Unit3(n.Shape);
            ulong s2 = PointHash.Mix(n.Shape);
            float od = (float)(0.17 + 0.07 * grade + 0.06 * grade * (PointHash.Unit(s2) - 0.5));
            Stamp(c, c.Hema, n.X, n.Y, n.A, n.B, angle, od, texture: (float)(0.1 + 0.45 * grade), rim: (float)(0.1 + 0.25 * grade));
            if (PointHash.Unit2(s2) < 0.85 * grade)
            {
                double t = 2 * Math.PI * PointHash.Unit3(s2);
                Stamp(c, c.Hema, n.X + 0.3 * n.B * Math.Cos(t), n.Y + 0.3 * n.B * Math.Sin(t), 1.2 + 1.3 * grade, 1.2 + 1.3 * grade, 0,
                    od + 0.15f, texture: 0, rim: 0);
            }
        });
    }

    private void StampStromalCells(Canvas c)
    {
        double fibreAngle = _model.FibreAngle;
        ForCells(c, 34, (i, j) =>
        {
            if (FibroblastAt(c.Fields, i, j, Anywhere) is not { } f) return;
            Stamp(c, c.Hema, f.X, f.Y, f.A, f.B, fibreAngle + 0.5 * (PointHash.Unit3(f.Shape) - 0.5), 0.24f, texture: 0.1f, rim: 0);
        });
        // Unmarked inflammatory cells: small, round, dark, DAB-negative.
        ForCells(c, 30, (i, j) =>
        {
            if (InflammatoryAt(c.Fields, i, j, Anywhere) is not { } m) return;
            Stamp(c, c.Hema, m.X, m.Y, m.A, m.B, 0, 0.3f, texture: 0.15f, rim: 0.1f);
        });
    }

    /// <summary>Marked (DAB-positive) lymphocytes, and under CD4 weakly marked macrophages (<see cref="MarkedCellAt"/>).</summary>
    private void StampMarkedCells(Canvas c)
    {
        ForCells(c, 24, (i, j) =>
        {
            for (int k = 0; k < 2; k++)
            {
                if (MarkedCellAt(c.Fields, i, j, k, Anywhere) is not { } m) continue;
                ulong s = m.Shape;
                if (m.Kind == CellKind.MarkedMacrophage)
                {
                    // Large, pale brown cell around a kidney-shaped nucleus.
                    double ang = Math.PI * PointHash.Unit(s);
                    Stamp(c, c.Dab, m.X, m.Y, 10 + 2 * PointHash.Unit2(s), 8, ang, 0.22f, texture: 0.2f, rim: 0.2f);
                    Stamp(c, c.Hema, m.X, m.Y, m.A, m.B, ang, 0.2f, texture: 0.1f, rim: 0.2f);
                    continue;
                }
                double rc = 6 + PointHash.Unit2(s);
                float dab = 0.45f + 0.35f * PointHash.Unit3(PointHash.Mix(s));
                // Membranous/cytoplasmic DAB (a brown ring) around a dark round nucleus.
                Stamp(c, c.Dab, m.X, m.Y, rc, rc * 0.95, 0, dab, texture: 0.15f, rim: 0.5f);
                Stamp(c, c.Hema, m.X, m.Y, m.A, m.B, 0, 0.3f, texture: 0.1f, rim: 0.1f);
            }
        });
    }

    /// <summary>
    /// Adds an ellipse of stain (semi-axes a, b in level-0 px) to <paramref name="buffer"/> by max. The edge is
    /// anti-aliased over one pixel; at coarse levels the stamp is scaled so that its total stain equals the ellipse's
    /// area times <paramref name="od"/>, as averaging level 0 would give.
    /// </summary>
    private void Stamp(Canvas c, float[] buffer, double x, double y, double a, double b, double angle, float od, float texture, float rim)
    {
        long ds = c.Ds;
        double reach = Math.Max(a, b) + ds;
        // The whole stamp's pixel range (unclipped: its normalisation must not depend on the canvas), then the clip.
        long u0 = (long)Math.Floor((x - reach - c.OriginX) / ds), u1 = (long)Math.Floor((x + reach - c.OriginX) / ds);
        long v0 = (long)Math.Floor((y - reach - c.OriginY) / ds), v1 = (long)Math.Floor((y + reach - c.OriginY) / ds);
        int i0 = (int)Math.Max(0, u0), i1 = (int)Math.Min(c.W - 1, u1);
        int j0 = (int)Math.Max(0, v0), j1 = (int)Math.Min(c.H - 1, v1);
        if (i0 > i1 || j0 > j1) return;
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        double meanR = 0.5 * (a + b);
        double edgeWidth = ds;
        float tex = texture / ds; // chromatin texture averages out at coarse levels

        float scale = 1;
        if (ds > 1)
        {
            double sum = 0;
            for (long j = v0; j <= v1; j++)
                for (long i = u0; i <= u1; i++)
                    sum += Coverage(c.OriginX + (i + 0.5) * ds - x, c.OriginY + (j + 0.5) * ds - y, cos, sin, a, b, meanR, edgeWidth, out _);
            if (sum <= 0) return;
            scale = (float)Math.Min(1.0, Math.PI * a * b / (sum * ds * ds));
        }
        for (int j = j0; j <= j1; j++)
            for (int i = i0; i <= i1; i++)
            {
                double px = c.CentreX(i), py = c.CentreY(j);
                float alpha = Coverage(px - x, py - y, cos, sin, a, b, meanR, edgeWidth, out double q2);
                if (alpha <= 0) continue;
                float v = od * scale * alpha;
                if (rim != 0) v *= 1 + rim * (float)(q2 - 0.5);
                if (tex != 0) v *= 1 + 2 * tex * (ValueNoise.At(_kChromatin, px / 2.2, py / 2.2) - 0.5f);
                int p = j * c.W + i;
                if (v > buffer[p]) buffer[p] = v;
            }
    }

    private static float Coverage(double dx, double dy, double cos, double sin, double a, double b, double meanR, double edgeWidth, out double q2)
    {
        double u = (dx * cos + dy * sin) / a, v = (-dx * sin + dy * cos) / b;
        q2 = u * u + v * v;
        double s = (1 - Math.Sqrt(q2)) * meanR; // ~ signed distance to the ellipse's edge, level-0 px
        return (float)Math.Clamp(0.5 + s / edgeWidth, 0, 1);
    }

    // ---- optics ------------------------------------------------------------------------------------------------------

    /// <summary>Beer–Lambert, the focus blur and camera noise; crops the margin.</summary>
    private RgbImage Develop(Canvas c, long x0, long y0, int w, int h)
    {
        int n = c.W * c.H;
        var r = new float[n];
        var g = new float[n];
        var b = new float[n];
        float hr = (float)_hv.R, hg = (float)_hv.G, hb = (float)_hv.B, dr = (float)_dv.R, dg = (float)_dv.G, db = (float)_dv.B;
        for (int p = 0; p < n; p++)
        {
            if (!c.Inside[p]) { r[p] = g[p] = b[p] = 255f; continue; }
            float hh = c.Hema[p] * _hemaScale, dd = c.Dab[p] * _dabScale;
            r[p] = 255f * MathF.Exp(-Ln10 * (GlassR + hh * hr + dd * dr));
            g[p] = 255f * MathF.Exp(-Ln10 * (GlassG + hh * hg + dd * dg));
            b[p] = 255f * MathF.Exp(-Ln10 * (GlassB + hh * hb + dd * db));
        }
        var px = new byte[w * h * 3];
        float sigma = _noiseSigma * 1.7320508f; // a uniform on [-s*sqrt3, s*sqrt3] has standard deviation s
        ulong kNoise = PointHash.Key(_seed, SaltNoise + (ulong)c.Ds * 1000);
        for (int j = 0; j < h; j++)
        {
            long yy = y0 + j * c.Ds;
            for (int i = 0; i < w; i++)
            {
                int o = (j + Margin) * c.W + (i + Margin);
                int q = (j * w + i) * 3;
                if (!c.Inside[o]) { px[q] = px[q + 1] = px[q + 2] = 255; continue; }
                ulong hn = PointHash.Of(kNoise, x0 + i * c.Ds, yy);
                px[q] = Develop1(Blur(r, o, c.W), PointHash.Unit(hn), sigma);
                px[q + 1] = Develop1(Blur(g, o, c.W), PointHash.Unit2(hn), sigma);
                px[q + 2] = Develop1(Blur(b, o, c.W), PointHash.Unit3(hn), sigma);
            }
        }
        return new RgbImage(w, h, px);
    }

    // 3x3 binomial kernel ([1 2 1] / 4 in each direction): the slight softness of a scanner's focus.
    private static float Blur(float[] a, int o, int stride) =>
        (a[o - stride - 1] + 2 * a[o - stride] + a[o - stride + 1]
         + 2 * a[o - 1] + 4 * a[o] + 2 * a[o + 1]
         + a[o + stride - 1] + 2 * a[o + stride] + a[o + stride + 1]) * (1f / 16);

    private static byte Develop1(float v, float u, float sigma)
    {
        float x = v + (2 * u - 1) * sigma;
        return (byte)Math.Clamp((int)MathF.Round(x), 0, 255);
    }
}
