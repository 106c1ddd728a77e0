using SimdOps = System.Numerics.Vector;
using SimdVector = System.Numerics.Vector<double>;
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
internal sealed class CoxLikelihood
{
    /// <summary>Log-likelihood, score and information at β, and the baseline-hazard terms of each death time there.</summary>
    public readonly record struct Evaluation(double Loglik, Vector<double> Score, Matrix<double> Information, BaselineTerms Terms);

    /// <summary>
    /// Per death time (sweep order) at β, with the unshifted weights exp(x·β): its stratum and time, the hazard
    /// increment Σ_l 1/den_l, the variance increment Σ_l 1/den_l² and the mean term Σ_l (S1 - f D1)/den_l² (p values).
    /// </summary>
    public sealed record BaselineTerms(int[] Stratum, double[] Time, double[] Hazard, double[] Variance, double[] Mean);

    private readonly double[] _x;          // p columns of n, sweep order
    private readonly double[] _time;
    private readonly int[] _stratum;
    private readonly double[] _eta, _w, _a;   // per-evaluation buffers
    private readonly bool[] _ev;
    private readonly int _n, _p;
    private readonly int[] _start, _stop, _deaths;   // tied blocks in sweep order
    private readonly bool[] _firstOfStratum;
    private readonly double[] _deathSum;             // Σ over deaths of x (the score's constant part)
    private readonly int[] _deathBlocks;             // indices of the blocks with deaths
    private readonly int[] _endsDeathBlock;          // per subject: the death block ending at it, or -1
    private readonly bool[] _stratumStarts;          // per subject: a new stratum starts here
    private const int Chunk = 512;                   // subjects per cache-sized chunk

    /// <param name="columns">Covariates column by column (p blocks of n values), rows in sweep order.</param>
    /// <param name="time">Times in sweep order.</param>
    /// <param name="ev">Events in sweep order.</param>
    /// <param name="stratum">Stratum codes in sweep order (ascending).</param>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public CoxLikelihood(double[] columns, double[] time, bool[] ev, int[] stratum)
    {
        _n = time.Length;
        _p = _n == 0 ? 0 : columns.Length / _n;
        _x = columns;
        _ev = ev;
        (_time, _stratum) = (time, stratum);
        (_eta, _w, _a) = (new double[_n], new double[_n], new double[_n]);
        var start = new List<int>();
        var stop = new List<int>();
        var deaths = new List<int>();
        var first = new List<bool>();
        for (int a = 0; a < _n;)
        {
            int z = a, d = ev[a] ? 1 : 0;
            while (z + 1 < _n && time[z + 1] == time[a] && stratum[z + 1] == stratum[a]) { z++; if (ev[z]) d++; }
            start.Add(a); stop.Add(z); deaths.Add(d);
            first.Add(a == 0 || stratum[a] != stratum[a - 1]);
            a = z + 1;
        }
        (_start, _stop, _deaths, _firstOfStratum) = (start.ToArray(), stop.ToArray(), deaths.ToArray(), first.ToArray());
        // Per subject: the death block (index among the blocks with deaths) that ends at it, or -1; whether a new
        // stratum starts at it.
        _endsDeathBlock = new int[_n];
        _stratumStarts = new bool[_n];
        Array.Fill(_endsDeathBlock, -1);
        _deathBlocks = [.. Enumerable.Range(0, _start.Length).Where(k => _deaths[k] > 0)];
        for (int t = 0; t < _deathBlocks.Length; t++) _endsDeathBlock[_stop[_deathBlocks[t]]] = t;
        for (int k = 0; k < _start.Length; k++) _stratumStarts[_start[k]] = _firstOfStratum[k];
        _deathSum = new double[_p];
        for (int j = 0; j < _p; j++)
        {
            var col = _x.AsSpan(j * _n, _n);
            for (int i = 0; i < _n; i++) if (ev[i]) _deathSum[j] += col[i];
        }
    }

    /// <summary>Log partial likelihood, score and information at <paramref name="beta"/>.</summary>
    // Hot loops run a few times per call on large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public Evaluation Evaluate(Vector<double> beta, CoxTies ties)
    {
        int n = _n, p = _p, blocks = _start.Length;
        var bv = beta.ToArray();
        // 1. eta = X β chunk by chunk (each chunk of eta stays in cache while the columns stream past).
        var eta = _eta;
        Array.Clear(eta);
        for (int start = 0; start < n; start += Chunk)
        {
            int len = Math.Min(Chunk, n - start);
            var e = eta.AsSpan(start, len);
            for (int j = 0; j < p; j++) Axpy(bv[j], _x.AsSpan(j * n + start, len), e);
        }
        double shift = double.NegativeInfinity, loglik = 0;
        for (int i = 0; i < n; i++)
        {
            if (eta[i] > shift) shift = eta[i];
            if (_ev[i]) loglik += eta[i];
        }
        // exp(eta - shift) cannot overflow; the shift returns in the log-likelihood and cancels in score and information.
        var w = _w;
        for (int i = 0; i < n; i++) w[i] = Math.Exp(eta[i] - shift);

        // 2. Per block, from the weights alone: S0 (running within the stratum), D0, and Efron's scalar sums.
        bool efron = ties == CoxTies.Efron;
        var c = new double[blocks];
        var e2 = new double[blocks];
        var sq = new double[blocks * 3];     // A, B, C per block
        double s0 = 0;
        for (int k = 0; k < blocks; k++)
        {
            if (_firstOfStratum[k]) s0 = 0;
            double d0 = 0;
            for (int i = _start[k]; i <= _stop[k]; i++)
            {
                s0 += w[i];
                if (_ev[i]) d0 += w[i];
            }
            int d = _deaths[k];
            for (int l = 0; l < d; l++)
            {
                double f = efron ? (double)l / d : 0;
                double den = s0 - f * d0;
                loglik -= Math.Log(den) + shift;
                c[k] += 1 / den;
                e2[k] += f / den;
                double inv2 = 1 / (den * den);
                sq[3 * k] += inv2;
                sq[3 * k + 1] += f * inv2;
                sq[3 * k + 2] += f * f * inv2;
            }
        }
        // a_j, ascending in time within each stratum.
        var a = _a;
        double cum = 0;
        for (int k = blocks - 1; k >= 0; k--)
        {
            if (k == blocks - 1 || _firstOfStratum[k + 1]) cum = 0;
            cum += c[k];
            for (int i = _start[k]; i <= _stop[k]; i++) a[i] = w[i] * (_ev[i] ? cum - e2[k] : cum);
        }

        // 3. One pass over the covariates, chunk by chunk: Xᵀ diag(a) X into the information, and per covariate the
        // running S1 and the blocks' D1 recorded where each death block ends.
        int g = _deathBlocks.Length;
        var s1 = new double[p * g];
        var d1 = new double[p * g];
        var run = new double[p];
        var dd = new double[p];
        var info = new double[p * p];
        var y = new double[Chunk];
        for (int start = 0; start < n; start += Chunk)
        {
            int len = Math.Min(Chunk, n - start);
            var ac = a.AsSpan(start, len);
            var ys = y.AsSpan(0, len);
            for (int r = 0; r < p; r++)
            {
                var xr = _x.AsSpan(r * n + start, len);
                for (int i = 0; i < len; i++) ys[i] = ac[i] * xr[i];
                for (int q = 0; q <= r; q++) info[r * p + q] += Dot(ys, _x.AsSpan(q * n + start, len));
                // S1 and D1 of covariate r.
                double rr = run[r], dr = dd[r];
                for (int i = 0; i < len; i++)
                {
                    int at = start + i;
                    if (_stratumStarts[at]) rr = 0;
                    double v = w[at] * xr[i];
                    rr += v;
                    if (_ev[at]) dr += v;
                    int t = _endsDeathBlock[at];
                    if (t >= 0)
                    {
                        s1[r * g + t] = rr;
                        d1[r * g + t] = dr;
                        dr = 0;
                    }
                }
                (run[r], dd[r]) = (rr, dr);
            }
        }

        // 4. Score, and the m mᵀ terms per death block.
        var score = (double[])_deathSum.Clone();
        for (int t = 0; t < g; t++)
        {
            int k = _deathBlocks[t];
            for (int j = 0; j < p; j++) score[j] -= c[k] * s1[j * g + t] - e2[k] * d1[j * g + t];
        }
        for (int r = 0; r < p; r++)
            for (int q = 0; q <= r; q++)
            {
                double sum = 0;
                for (int t = 0; t < g; t++)
                {
                    int k = _deathBlocks[t];
                    double sr = s1[r * g + t], sqv = s1[q * g + t], dr = d1[r * g + t], dq = d1[q * g + t];
                    sum += sq[3 * k] * sr * sqv - sq[3 * k + 1] * (sr * dq + dr * sqv) + sq[3 * k + 2] * dr * dq;
                }
                info[r * p + q] -= sum;
            }

        var m = Matrix<double>.Build.Dense(p, p);
        for (int r = 0; r < p; r++)
            for (int q = 0; q <= r; q++) { m[r, q] = info[r * p + q]; m[q, r] = info[r * p + q]; }

        // Baseline terms with the unshifted weights: den = den_shifted · e^shift.
        double back = Math.Exp(-shift);
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
        return new Evaluation(loglik, Vector<double>.Build.DenseOfArray(score), m, terms);
    }

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

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int i = 0;
        double s = 0;
        if (SimdOps.IsHardwareAccelerated && x.Length >= SimdVector.Count)
        {
            var acc = SimdVector.Zero;
            for (; i <= x.Length - SimdVector.Count; i += SimdVector.Count)
                acc += new SimdVector(x[i..]) * new SimdVector(y[i..]);
            s = SimdOps.Sum(acc);
        }
        for (; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }
}

/// <summary>Sorting shared by the Cox fits.</summary>
internal static class CoxOrder
{
    /// <summary>
    /// Indices by stratum ascending, then time descending, then index ascending (the order of a stable
    /// OrderBy(stratum).ThenByDescending(time)): a radix sort by time, then a stable counting sort by stratum.
    /// </summary>
    public static int[] StratumThenTimeDescending(int[] stratum, double[] time) => RadixOrder.ByStratumThen(stratum, time, descending: true);
}
