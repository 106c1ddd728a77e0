using MathNet.Numerics.LinearAlgebra;

namespace VPTSurv.Survival;

/// <summary>
/// A Cox design ready for the risk-set sweeps: centred covariates stored column by column (p blocks of n values), and
/// subjects ordered by stratum ascending then time descending (each stratum is one block; the risk set of a time is a
/// prefix of its block).
/// </summary>
internal sealed record CoxData(double[] Columns, int P, double[] Time, bool[] Event, int[] Order, int[] Stratum)
{
    /// <summary>Covariate <paramref name="j"/> of subject <paramref name="i"/>.</summary>
    public double X(int i, int j) => Columns[j * Time.Length + i];

    /// <summary>Per tied death time: the sums over its risk set and over its deaths, in sweep order (time descending).</summary>
    public sealed record DeathGroup(int Stratum, double Time, int Deaths, double S0, double D0, double[] S1, double[] D1);

    /// <summary>exp(x·β) of every subject (covariates centred, so it cannot overflow for a fitted β).</summary>
    public double[] RiskWeights(Vector<double> beta)
    {
        int n = Time.Length, p = P;
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < p; j++) s += X(i, j) * beta[j];
            w[i] = Math.Exp(s);
        }
        return w;
    }

    /// <summary>The death groups of all strata, each with the tied block [Start, Stop] of <see cref="Order"/>.</summary>
    public List<(DeathGroup Group, int Start, int Stop)> DeathGroups(double[] w)
    {
        int n = Order.Length, p = P;
        var result = new List<(DeathGroup, int, int)>();
        double s0 = 0;
        var s1 = new double[p];
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && Time[Order[stop + 1]] == Time[Order[start]] && Stratum[Order[stop + 1]] == Stratum[Order[start]]) stop++;
            if (start == 0 || Stratum[Order[start]] != Stratum[Order[start - 1]]) { s0 = 0; Array.Clear(s1); }
            double d0 = 0;
            var d1 = new double[p];
            int deaths = 0;
            for (int s = start; s <= stop; s++)
            {
                int i = Order[s];
                s0 += w[i];
                for (int j = 0; j < p; j++) s1[j] += w[i] * X(i, j);
                if (!Event[i]) continue;
                deaths++;
                d0 += w[i];
                for (int j = 0; j < p; j++) d1[j] += w[i] * X(i, j);
            }
            if (deaths > 0)
                result.Add((new DeathGroup(Stratum[Order[start]], Time[Order[start]], deaths, s0, d0, (double[])s1.Clone(), d1), start, stop));
            start = stop + 1;
        }
        return result;
    }
}

/// <summary>
/// Score residuals of a Cox fit (R's <c>residuals(fit, "score")</c>), for the robust variance: with Efron ties the
/// l-th of d tied deaths has denominator S0 - (l/d) D0 and mean (S1 - (l/d) D1) / that, a subject not dying at the
/// time takes every term with weight 1 and a dying one with weight 1 - l/d; its own death contributes x minus the
/// average of the d means. Breslow is the case of equal terms.
/// </summary>
internal static class CoxScoreResiduals
{
    public static Matrix<double> Compute(CoxData data, Vector<double> beta, CoxTies ties)
    {
        int n = data.Order.Length, p = data.P;
        var w = data.RiskWeights(beta);
        var groups = data.DeathGroups(w);
        var u = Matrix<double>.Build.Dense(n, p);
        // Per group: hazard terms for subjects not dying (N) and dying (D) there, and the deaths' mean.
        var hN = new double[groups.Count]; var hD = new double[groups.Count];
        var gN = new double[groups.Count][]; var gD = new double[groups.Count][]; var mean = new double[groups.Count][];
        for (int k = 0; k < groups.Count; k++)
        {
            var g = groups[k].Group;
            gN[k] = new double[p]; gD[k] = new double[p]; mean[k] = new double[p];
            for (int l = 0; l < g.Deaths; l++)
            {
                double f = ties == CoxTies.Efron ? (double)l / g.Deaths : 0;
                double denom = g.S0 - f * g.D0;
                double c = 1 - f;
                hN[k] += 1 / denom;
                hD[k] += c / denom;
                for (int j = 0; j < p; j++)
                {
                    double m = (g.S1[j] - f * g.D1[j]) / denom;
                    gN[k][j] += m / denom;
                    gD[k][j] += c * m / denom;
                    mean[k][j] += m / g.Deaths;
                }
            }
        }
        // Sweep each stratum from its earliest time up: cumulative hazard terms of the deaths at or before the subject.
        double cumH = 0;
        var cumG = new double[p];
        int next = groups.Count - 1;
        for (int s = n - 1; s >= 0;)
        {
            int i0 = data.Order[s];
            if (s == n - 1 || data.Stratum[i0] != data.Stratum[data.Order[s + 1]]) { cumH = 0; Array.Clear(cumG); }
            int start = s;
            while (start > 0 && data.Time[data.Order[start - 1]] == data.Time[i0] && data.Stratum[data.Order[start - 1]] == data.Stratum[i0]) start--;
            int k = next >= 0 && groups[next].Start == start ? next : -1;
            for (int t = start; t <= s; t++)
            {
                int i = data.Order[t];
                bool dies = data.Event[i] && k >= 0;
                double h = cumH + (k < 0 ? 0 : dies ? hD[k] : hN[k]);
                for (int j = 0; j < p; j++)
                {
                    double g = cumG[j] + (k < 0 ? 0 : dies ? gD[k][j] : gN[k][j]);
                    double r = -w[i] * (data.X(i, j) * h - g);
                    if (dies) r += data.X(i, j) - mean[k][j];
                    u[i, j] = r;
                }
            }
            if (k >= 0)
            {
                cumH += hN[k];
                for (int j = 0; j < p; j++) cumG[j] += gN[k][j];
                next--;
            }
            s = start - 1;
        }
        return u;
    }
}

/// <summary>
/// The baseline cumulative hazard at the covariate means, per stratum, as R's <c>survfit(coxph)</c>: Breslow
/// increments d / S0 (ties = Breslow) or Efron's Σ_l 1 / (S0 - (l/d) D0) (ties = Efron), from the terms of the
/// fit's final likelihood evaluation (<see cref="CoxLikelihood.BaselineTerms"/>).
/// </summary>
internal static class CoxBaselineHazard
{
    /// <summary>The baseline of the fit whose final evaluation gave <paramref name="terms"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static CoxBaseline Build(CoxLikelihood.BaselineTerms terms, string[] stratumLabels)
    {
        int strata = stratumLabels.Length, g = terms.Time.Length, p = g == 0 ? 0 : terms.Mean.Length / g;
        var times = new List<double>[strata];
        var hazard = new List<double>[strata];
        var variance = new List<double>[strata];
        var meanTerm = new List<double[]>[strata];
        for (int s = 0; s < strata; s++) { times[s] = []; hazard[s] = []; variance[s] = []; meanTerm[s] = []; }
        // Death times come in time-descending order within each stratum; walk backwards to accumulate upwards in time.
        var cum = new double[strata];
        var cumVar = new double[strata];
        var cumMean = new double[strata][];
        for (int s = 0; s < strata; s++) cumMean[s] = new double[p];
        for (int t = g - 1; t >= 0; t--)
        {
            int s = terms.Stratum[t];
            var m = (double[])cumMean[s].Clone();
            for (int j = 0; j < p; j++) m[j] += terms.Mean[t * p + j];
            cum[s] += terms.Hazard[t];
            cumVar[s] += terms.Variance[t];
            cumMean[s] = m;
            times[s].Add(terms.Time[t]);
            hazard[s].Add(cum[s]);
            variance[s].Add(cumVar[s]);
            meanTerm[s].Add(m);
        }
        return new CoxBaseline(stratumLabels, times.Select(t => t.ToArray()).ToArray(), hazard.Select(h => h.ToArray()).ToArray())
        {
            HazardVariance = variance.Select(v => v.ToArray()).ToArray(),
            MeanTerm = meanTerm.Select(v => v.ToArray()).ToArray(),
        };
    }
}

/// <summary>Baseline cumulative hazard of a Cox fit at the covariate means, per stratum (death times ascending).</summary>
/// <param name="Strata">Stratum labels ("all" without strata).</param>
/// <param name="Time">Death times of each stratum.</param>
/// <param name="CumulativeHazard">Λ0 at each of them (covariates at their means).</param>
public sealed record CoxBaseline(string[] Strata, double[][] Time, double[][] CumulativeHazard)
{
    /// <summary>Per stratum and death time: Σ over deaths so far of Σ_l 1/denom_l² (the model-free part of the
    /// variance of a predicted cumulative hazard; R's <c>agsurv()$varhaz</c> summed).</summary>
    public double[][] HazardVariance { get; init; } = [];

    /// <summary>Per stratum and death time: Σ over deaths so far of Σ_l x̄_l/denom_l (covariates centred; R's
    /// <c>agsurv()$xbar</c>), the term through which the uncertainty of β enters a predicted curve.</summary>
    public double[][][] MeanTerm { get; init; } = [];

    /// <summary>Λ0(t) of stratum <paramref name="stratum"/> (0 before its first death).</summary>
    public double At(int stratum, double t)
    {
        int k = IndexAt(stratum, t);
        return k < 0 ? 0 : CumulativeHazard[stratum][k];
    }

    /// <summary>The last death time index of the stratum at or before <paramref name="t"/> (-1 before the first).</summary>
    internal int IndexAt(int stratum, double t)
    {
        int k = Array.BinarySearch(Time[stratum], t);
        return k >= 0 ? k : ~k - 1;
    }

    /// <summary>Baseline survival exp(-Λ0(t)) of stratum <paramref name="stratum"/>.</summary>
    public double SurvivalAt(int stratum, double t) => Math.Exp(-At(stratum, t));
}
