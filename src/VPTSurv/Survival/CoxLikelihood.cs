using SimdOps = System.Numerics.Vector;
using SimdVector = System.Numerics.Vector<double>;
using System.Buffers;
using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Survival;

/// <summary>
/// Log partial likelihood, score and observed information of a Cox model at β, for subjects already ordered by
/// stratum, then time descending (<see cref="CoxOrder"/>), covariates centred and stored column by column. The tied
/// blocks (equal time and stratum), and the deaths' covariate sums, are found once per fit; each evaluation is
/// one chunked pass over the covariates for X β, sweeps over the weights alone, and one chunked pass over the
/// covariates for the risk-set sums S1, D1 and the O(n p²/2) SIMD part of the information.
/// <para>
/// The information Σ_deaths [(S2 - f D2) / den - m mᵀ] (f = l/d with Efron ties, 0 with Breslow; den = S0 - f D0;
/// m = (S1 - f D1) / den) is regrouped so that no p × p risk-set sum is carried: the S2 and D2 terms are
/// Σ_j a_j x_j x_jᵀ with a_j = w_j (Σ_{death times t ≤ t_j} Σ_l 1/den_l, minus Σ_l f_l/den_l of its own time for a
/// subject dying there) — Xᵀ diag(a) X — and each tied-death block's Σ_l m_l m_lᵀ is
/// A S1S1ᵀ - B (S1D1ᵀ + D1S1ᵀ) + C D1D1ᵀ with A, B, C = Σ_l (1, f_l, f_l²) / den_l² (per block, not per death).
/// </para>
/// </summary>
internal sealed class CoxLikelihood : IDisposable
{
    /// <summary>Log-likelihood, score and information at β.</summary>
    public readonly record struct Evaluation(double Loglik, Vector<double> Score, Matrix<double> Information);

    /// <summary>
    /// Per death time (sweep order) at β, with the unshifted weights exp(x·β): its stratum and time, the hazard
    /// increment Σ_l 1/den_l, the variance increment Σ_l 1/den_l² and the mean term Σ_l (S1 - f D1)/den_l² (p values).
    /// </summary>
    public sealed record BaselineTerms(int[] Stratum, double[] Time, double[] Hazard, double[] Variance, double[] Mean);

    private readonly double[] _x;          // p columns of n, sweep order
    private readonly double[] _time;
    private readonly int[] _stratum;
    private readonly bool[] _ev;
    private readonly int _n, _p;
    private readonly int[] _start, _stop, _deaths;   // tied blocks in sweep order
    private readonly bool[] _firstOfStratum;
    private readonly double[] _deathSum;             // Σ over deaths of x (the score's constant part)
    private readonly int[] _deathBlocks;             // indices of the blocks with deaths
    // Per death block t: S1 there is the running sum from the stratum's start, kept as the sum over its segment
    // [_segStart[t], stop] added to the previous death block's S1 (or to 0 when _reset[t]: first in its stratum).
    private readonly int[] _segStart;
    private readonly bool[] _reset;
    // The covariate pass runs over chunks of about Chunk subjects that end where a death block ends, so every
    // segment lies in one chunk: chunk c is [_chunkStart[c], _chunkStart[c + 1]) and holds death blocks
    // [_chunkFirst[c], _chunkFirst[c + 1]).
    private readonly int[] _chunkStart, _chunkFirst;
    // Per-evaluation buffers, reused; the large ones (and the 0/1 death mask) come from the shared pool (returned by
    // Dispose). They keep the sums of the last evaluation for its baseline terms (LastTerms).
    private readonly double[] _w, _wd, _a, _mask, _y, _c, _e2, _sq, _s1, _d1, _u, _v, _info;
    private double _lastShift;
    private const int Chunk = 512;                   // subjects per cache-sized chunk

    /// <param name="columns">Covariates column by column (p blocks of n values), rows in sweep order.</param>
    /// <param name="p">Covariates.</param>
    /// <param name="n">Subjects (the first n entries of the arrays are used).</param>
    /// <param name="time">Times in sweep order.</param>
    /// <param name="ev">Events in sweep order.</param>
    /// <param name="stratum">Stratum codes in sweep order (ascending).</param>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public CoxLikelihood(double[] columns, int p, int n, double[] time, bool[] ev, int[] stratum)
    {
        _n = n;
        _p = p;
        _x = columns;
        _ev = ev;
        (_time, _stratum) = (time, stratum);
        int blocks = 0;
        for (int i = 0; i < _n; i++)
            if (i == 0 || time[i] != time[i - 1] || stratum[i] != stratum[i - 1]) blocks++;
        (_start, _stop, _deaths, _firstOfStratum) = (new int[blocks], new int[blocks], new int[blocks], new bool[blocks]);
        int deathBlocks = 0;
        for (int a = 0, k = 0; a < _n; k++)
        {
            int z = a, d = ev[a] ? 1 : 0;
            while (z + 1 < _n && time[z + 1] == time[a] && stratum[z + 1] == stratum[a]) { z++; if (ev[z]) d++; }
            (_start[k], _stop[k], _deaths[k], _firstOfStratum[k]) = (a, z, d, a == 0 || stratum[a] != stratum[a - 1]);
            if (d > 0) deathBlocks++;
            a = z + 1;
        }
        _deathBlocks = new int[deathBlocks];
        _segStart = new int[deathBlocks];
        _reset = new bool[deathBlocks];
        int stratumStart = 0, previousStop = -1, g = 0;
        var chunkStart = new List<int> { 0 };
        var chunkFirst = new List<int> { 0 };
        for (int k = 0; k < blocks; k++)
        {
            if (_firstOfStratum[k]) { stratumStart = _start[k]; previousStop = -1; }
            if (_deaths[k] == 0) continue;
            _deathBlocks[g] = k;
            _reset[g] = previousStop < 0;
            _segStart[g] = _reset[g] ? stratumStart : previousStop + 1;
            previousStop = _stop[k];
            g++;
            if (_stop[k] + 1 - chunkStart[^1] >= Chunk && _stop[k] + 1 < _n) { chunkStart.Add(_stop[k] + 1); chunkFirst.Add(g); }
        }
        chunkStart.Add(_n);
        chunkFirst.Add(g);
        (_chunkStart, _chunkFirst) = (chunkStart.ToArray(), chunkFirst.ToArray());
        int longest = 0;
        for (int c = 0; c + 1 < _chunkStart.Length; c++) longest = Math.Max(longest, _chunkStart[c + 1] - _chunkStart[c]);
        (_w, _wd, _a, _mask) = (ArrayPool<double>.Shared.Rent(_n), ArrayPool<double>.Shared.Rent(_n), ArrayPool<double>.Shared.Rent(_n), ArrayPool<double>.Shared.Rent(_n));
        for (int i = 0; i < _n; i++) _mask[i] = ev[i] ? 1 : 0;
        _deathSum = new double[_p];
        for (int j = 0; j < _p; j++) _deathSum[j] = Dot(_x.AsSpan(j * _n, _n), _mask.AsSpan(0, _n));
        _y = new double[longest];
        (_c, _e2, _sq) = (new double[blocks], new double[blocks], new double[3 * blocks]);
        var pool = ArrayPool<double>.Shared;
        (_s1, _d1, _u, _v, _info) = (pool.Rent(_p * g), pool.Rent(_p * g), pool.Rent(_p * g), pool.Rent(_p * g), new double[_p * _p]);
    }

    /// <summary>Returns the pooled buffers; the instance is not used afterwards.</summary>
    public void Dispose()
    {
        ArrayPool<double>.Shared.Return(_w);
        ArrayPool<double>.Shared.Return(_wd);
        ArrayPool<double>.Shared.Return(_a);
        ArrayPool<double>.Shared.Return(_mask);
        foreach (var buffer in (double[][])[_s1, _d1, _u, _v]) ArrayPool<double>.Shared.Return(buffer);
    }

    /// <summary>Log partial likelihood, score and information at <paramref name="beta"/>.</summary>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public Evaluation Evaluate(Vector<double> beta, CoxTies ties)
    {
        int n = _n, p = _p, blocks = _start.Length, g = _deathBlocks.Length;
        var bv = beta.ToArray();
        // 1. eta = X β chunk by chunk (each chunk of eta stays in cache while the columns stream past), into w.
        var w = _w;
        Array.Clear(w, 0, n);
        bool atZero = true;   // β = 0 (the start of the fit): eta = 0, no pass over the covariates
        foreach (double b in bv) atZero &= b == 0;
        for (int start = 0; start < n && !atZero; start += Chunk)
        {
            int len = Math.Min(Chunk, n - start);
            var e = w.AsSpan(start, len);
            for (int j = 0; j < p; j++) Axpy(bv[j], _x.AsSpan(j * n + start, len), e);
        }
        // exp(eta - shift) cannot overflow; the shift returns in the log-likelihood and cancels in score and information.
        // The deaths' weights are the weights times the 0/1 death mask (no branch per subject).
        double shift = Max(w.AsSpan(0, n)), loglik = Dot(w.AsSpan(0, n), _mask.AsSpan(0, n));
        var wd = _wd;
        ExpShifted(w.AsSpan(0, n), shift);
        Multiply(w.AsSpan(0, n), _mask.AsSpan(0, n), wd.AsSpan(0, n));

        // 2. Per block, from the weights alone: S0 (running within the stratum), D0, and Efron's scalar sums.
        bool efron = ties == CoxTies.Efron;
        var (c, e2, sq) = (_c, _e2, _sq);
        double s0 = 0;
        for (int k = 0; k < blocks; k++)
        {
            if (_firstOfStratum[k]) s0 = 0;
            double d0 = 0;
            for (int i = _start[k]; i <= _stop[k]; i++)
            {
                s0 += w[i];
                d0 += wd[i];
            }
            (loglik, c[k], e2[k], sq[3 * k], sq[3 * k + 1], sq[3 * k + 2]) = TiedDeaths(_deaths[k], s0, d0, efron, shift, loglik);
        }
        // a_j, ascending in time within each stratum.
        var a = _a;
        double cum = 0;
        for (int k = blocks - 1; k >= 0; k--)
        {
            if (k == blocks - 1 || _firstOfStratum[k + 1]) cum = 0;
            cum += c[k];
            for (int i = _start[k]; i <= _stop[k]; i++) a[i] = w[i] * (cum - _mask[i] * e2[k]);
        }

        // 3. One pass over the covariates, chunk by chunk: Xᵀ diag(a) X into the information (four columns at a
        // time), and per covariate each death block's S1 (running over its segment) and D1.
        var (s1, d1, info) = (_s1, _d1, _info);
        Array.Clear(info);
        for (int ch = 0; ch + 1 < _chunkStart.Length; ch++)
        {
            int start = _chunkStart[ch], len = _chunkStart[ch + 1] - start;
            int tFirst = _chunkFirst[ch], tEnd = _chunkFirst[ch + 1];
            var ac = a.AsSpan(start, len);
            var ys = _y.AsSpan(0, len);
            for (int r = 0; r < p; r++)
            {
                var xr = _x.AsSpan(r * n + start, len);
                Multiply(ac, xr, ys);
                int q = 0;
                for (; q + 3 <= r; q += 4)
                {
                    var (v0, v1, v2, v3) = Dot4(ys, _x.AsSpan(q * n + start, len), _x.AsSpan((q + 1) * n + start, len),
                        _x.AsSpan((q + 2) * n + start, len), _x.AsSpan((q + 3) * n + start, len));
                    info[r * p + q] += v0;
                    info[r * p + q + 1] += v1;
                    info[r * p + q + 2] += v2;
                    info[r * p + q + 3] += v3;
                }
                for (; q <= r; q++) info[r * p + q] += Dot(ys, _x.AsSpan(q * n + start, len));
                var xcol = _x.AsSpan(r * n, n);
                int row = r * g;
                for (int t = tFirst; t < tEnd; t++)
                {
                    // The segment is the blocks without deaths since the last death block (often none), then this
                    // death block: S1 adds both, D1 the latter with the deaths' weights only.
                    int k = _deathBlocks[t], from = _segStart[t], mid = _start[k], to = _stop[k] + 1;
                    double before = _reset[t] ? 0 : s1[row + t - 1];
                    if (mid > from) before += Dot(w.AsSpan(from, mid - from), xcol[from..mid]);
                    var (sw, swd) = Dot2(w.AsSpan(mid, to - mid), wd.AsSpan(mid, to - mid), xcol[mid..to]);
                    s1[row + t] = before + sw;
                    d1[row + t] = swd;
                }
            }
        }

        // 4. Score, and the m mᵀ terms per death block: Σ_t A s_r s_q - B (s_r d_q + d_r s_q) + C d_r d_q
        // = Σ_t u_r s_q + v_r d_q with u_r = A s_r - B d_r, v_r = C d_r - B s_r.
        var score = (double[])_deathSum.Clone();
        var (u, v2s) = (_u, _v);
        for (int j = 0; j < p; j++)
        {
            int row = j * g;
            double sc = 0;
            for (int t = 0; t < g; t++)
            {
                int k = _deathBlocks[t];
                double sr = s1[row + t], dr = d1[row + t];
                sc += c[k] * sr - e2[k] * dr;
                u[row + t] = sq[3 * k] * sr - sq[3 * k + 1] * dr;
                v2s[row + t] = sq[3 * k + 2] * dr - sq[3 * k + 1] * sr;
            }
            score[j] -= sc;
        }
        for (int r = 0; r < p; r++)
            for (int q = 0; q <= r; q++)
                info[r * p + q] -= Dot(u.AsSpan(r * g, g), s1.AsSpan(q * g, g)) + Dot(v2s.AsSpan(r * g, g), d1.AsSpan(q * g, g));

        var m = Matrix<double>.Build.Dense(p, p);
        for (int r = 0; r < p; r++)
            for (int q = 0; q <= r; q++) { m[r, q] = info[r * p + q]; m[q, r] = info[r * p + q]; }

        _lastShift = shift;
        return new Evaluation(loglik, Vector<double>.Build.DenseOfArray(score), m);
    }

    /// <summary>The baseline-hazard terms of each death time at the β of the last <see cref="Evaluate"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public BaselineTerms LastTerms()
    {
        int p = _p, g = _deathBlocks.Length;
        var (c, sq, s1, d1) = (_c, _sq, _s1, _d1);
        // Unshifted weights: den = den_shifted · e^shift.
        double back = Math.Exp(-_lastShift);
        var terms = new BaselineTerms(new int[g], new double[g], new double[g], new double[g], new double[g * p]);
        for (int t = 0; t < g; t++)
        {
            int k = _deathBlocks[t];
            terms.Stratum[t] = _stratum[_start[k]];
            terms.Time[t] = _time[_start[k]];
            terms.Hazard[t] = c[k] * back;
            terms.Variance[t] = sq[3 * k] * back * back;
            for (int j = 0; j < p; j++)
                terms.Mean[t * p + j] = (sq[3 * k] * s1[j * g + t] - sq[3 * k + 1] * d1[j * g + t]) * back;
        }
        return terms;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0;
        if (SimdOps.IsHardwareAccelerated)
        {
            var va = new SimdVector(alpha);
            for (; i <= x.Length - SimdVector.Count; i += SimdVector.Count)
                (new SimdVector(y[i..]) + va * new SimdVector(x[i..])).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }

    private static readonly SimdVector Iota = new(Enumerable.Range(0, SimdVector.Count).Select(i => (double)i).ToArray());

    /// <summary>
    /// The d tied deaths of one time: den_l = S0 - f_l D0 (f_l = l/d with Efron, 0 with Breslow), l = 0..d-1; returns
    /// the log-likelihood less Σ_l (log den_l + shift), and Σ 1/den, Σ f/den, Σ 1/den², Σ f/den², Σ f²/den² — several
    /// deaths at a time (Math.Log per death: the library's vectorised log is not compiled ahead and would run
    /// unoptimised in the first calls).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (double Loglik, double C, double E, double A0, double A1, double A2) TiedDeaths(
        int d, double s0, double d0, bool efron, double shift, double loglik)
    {
        double logs = 0, ck = 0, ek = 0, a0 = 0, a1 = 0, a2 = 0;
        int l = 0;
        if (SimdOps.IsHardwareAccelerated && d >= SimdVector.Count)
        {
            SimdVector vc = SimdVector.Zero, ve = vc, v0 = vc, v1 = vc, v2 = vc;
            SimdVector vs0 = new(s0), vd0 = new(d0), vd = new(d);
            for (; l <= d - SimdVector.Count; l += SimdVector.Count)
            {
                var f = efron ? (new SimdVector(l) + Iota) / vd : SimdVector.Zero;
                var den = vs0 - f * vd0;
                for (int j = 0; j < SimdVector.Count; j++) logs += Math.Log(den[j]);
                var inv = SimdVector.One / den;
                var inv2 = inv * inv;
                vc += inv;
                ve += f * inv;
                v0 += inv2;
                v1 += f * inv2;
                v2 += f * f * inv2;
            }
            (ck, ek, a0, a1, a2) = (SimdOps.Sum(vc), SimdOps.Sum(ve), SimdOps.Sum(v0), SimdOps.Sum(v1), SimdOps.Sum(v2));
        }
        for (; l < d; l++)
        {
            double f = efron ? (double)l / d : 0;
            double den = s0 - f * d0;
            logs += Math.Log(den);
            double inv = 1 / den, inv2 = inv * inv;
            ck += inv;
            ek += f * inv;
            a0 += inv2;
            a1 += f * inv2;
            a2 += f * f * inv2;
        }
        return (loglik - logs - d * shift, ck, ek, a0, a1, a2);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double Max(ReadOnlySpan<double> x)
    {
        int i = 0;
        double m = double.NegativeInfinity;
        if (SimdOps.IsHardwareAccelerated && x.Length >= SimdVector.Count)
        {
            var vm = new SimdVector(double.NegativeInfinity);
            for (; i <= x.Length - SimdVector.Count; i += SimdVector.Count) vm = SimdOps.Max(vm, new SimdVector(x[i..]));
            for (int j = 0; j < SimdVector.Count; j++) m = Math.Max(m, vm[j]);
        }
        for (; i < x.Length; i++) m = Math.Max(m, x[i]);
        return m;
    }

    /// <summary>x = exp(x - shift) in place. (Math.Exp: the library's vectorised exp is not compiled ahead and would run
    /// unoptimised in the first calls.)</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ExpShifted(Span<double> x, double shift)
    {
        for (int i = 0; i < x.Length; i++) x[i] = Math.Exp(x[i] - shift);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Multiply(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> into)
    {
        int i = 0;
        if (SimdOps.IsHardwareAccelerated)
            for (; i <= x.Length - SimdVector.Count; i += SimdVector.Count)
                (new SimdVector(x[i..]) * new SimdVector(y[i..])).CopyTo(into[i..]);
        for (; i < x.Length; i++) into[i] = x[i] * y[i];
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int i = 0;
        double s = 0;
        if (SimdOps.IsHardwareAccelerated && x.Length >= SimdVector.Count)
        {
            // Two accumulators: the additions of one do not wait for the other's.
            SimdVector acc0 = SimdVector.Zero, acc1 = SimdVector.Zero;
            for (; i <= x.Length - 2 * SimdVector.Count; i += 2 * SimdVector.Count)
            {
                acc0 += new SimdVector(x[i..]) * new SimdVector(y[i..]);
                acc1 += new SimdVector(x[(i + SimdVector.Count)..]) * new SimdVector(y[(i + SimdVector.Count)..]);
            }
            for (; i <= x.Length - SimdVector.Count; i += SimdVector.Count)
                acc0 += new SimdVector(x[i..]) * new SimdVector(y[i..]);
            s = SimdOps.Sum(acc0 + acc1);
        }
        for (; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>a·x and b·x in one pass over x.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (double, double) Dot2(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x)
    {
        int i = 0;
        double sa = 0, sb = 0;
        if (SimdOps.IsHardwareAccelerated && x.Length >= SimdVector.Count)
        {
            SimdVector va = SimdVector.Zero, vb = SimdVector.Zero;
            for (; i <= x.Length - SimdVector.Count; i += SimdVector.Count)
            {
                var vx = new SimdVector(x[i..]);
                va += new SimdVector(a[i..]) * vx;
                vb += new SimdVector(b[i..]) * vx;
            }
            (sa, sb) = (SimdOps.Sum(va), SimdOps.Sum(vb));
        }
        for (; i < x.Length; i++)
        {
            sa += a[i] * x[i];
            sb += b[i] * x[i];
        }
        return (sa, sb);
    }

    /// <summary>y·x0, y·x1, y·x2, y·x3 in one pass over y (four independent accumulators).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (double, double, double, double) Dot4(
        ReadOnlySpan<double> y, ReadOnlySpan<double> x0, ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, ReadOnlySpan<double> x3)
    {
        int i = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (SimdOps.IsHardwareAccelerated && y.Length >= SimdVector.Count)
        {
            SimdVector a0 = SimdVector.Zero, a1 = SimdVector.Zero, a2 = SimdVector.Zero, a3 = SimdVector.Zero;
            for (; i <= y.Length - SimdVector.Count; i += SimdVector.Count)
            {
                var vy = new SimdVector(y[i..]);
                a0 += vy * new SimdVector(x0[i..]);
                a1 += vy * new SimdVector(x1[i..]);
                a2 += vy * new SimdVector(x2[i..]);
                a3 += vy * new SimdVector(x3[i..]);
            }
            (s0, s1, s2, s3) = (SimdOps.Sum(a0), SimdOps.Sum(a1), SimdOps.Sum(a2), SimdOps.Sum(a3));
        }
        for (; i < y.Length; i++)
        {
            s0 += y[i] * x0[i];
            s1 += y[i] * x1[i];
            s2 += y[i] * x2[i];
            s3 += y[i] * x3[i];
        }
        return (s0, s1, s2, s3);
    }
}

/// <summary>Sorting shared by the Cox fits.</summary>
internal static class CoxOrder
{
    /// <summary>
    /// Indices by stratum ascending, then time descending, then index ascending (the order of a stable
    /// OrderBy(stratum).ThenByDescending(time)): a radix sort by time, then a stable counting sort by stratum (null =
    /// one stratum).
    /// </summary>
    public static int[] StratumThenTimeDescending(int[]? stratum, double[] time) => RadixOrder.ByStratumThen(stratum, time, descending: true);
}
