namespace VPTSurv.Survival;

/// <summary>
/// Schoenfeld residuals of a Cox fit, as R's <c>residuals(fit, "schoenfeld")</c> and <c>residuals(fit, "scaledsch")</c>:
/// one row per death, r_i = x_i - x̄(t_i), where x̄(t) is the risk-weighted covariate mean of the risk set at t (with
/// Efron ties the average over the d tied deaths of the means (S1 - (l/d) D1) / (S0 - (l/d) D0), l = 0..d-1). Rows are
/// ordered by stratum, then time ascending, tied deaths in input order (R's order). The scaled residuals are
/// β + d · V r_i (d deaths, V the fit's covariance): their smoothed plot against time estimates β(t).
/// </summary>
public sealed record CoxSchoenfeld
{
    /// <summary>The residuals of <paramref name="fit"/> on the data it was fitted to.</summary>
    /// <remarks>A fit with an L1 penalty has no covariance (NaN), so its scaled residuals are NaN.</remarks>
    /// <exception cref="ArgumentException">The data do not match the fit (argument and row named).</exception>
    /// <exception cref="NoEventsException">No observed death.</exception>
    public SchoenfeldResiduals Fit(CoxFit fit, IReadOnlyList<double[]> covariates, IReadOnlyList<double> time,
        IReadOnlyList<bool> eventObserved, IReadOnlyList<string>? strata = null)
    {
        var data = CoxFitData.Check(fit, covariates, time, eventObserved, strata);
        var (subjects, raw) = SchoenfeldCore.Raw(fit, data);
        int p = fit.Coefficients.Length, deaths = subjects.Length;
        var scaled = raw.Select(r =>
        {
            var row = new double[p];
            for (int a = 0; a < p; a++)
            {
                double s = 0;
                for (int b = 0; b < p; b++) s += fit.Covariance[a, b] * r[b];
                row[a] = fit.Coefficients[a] + deaths * s;
            }
            return row;
        }).ToArray();
        return new SchoenfeldResiduals(fit.Names, subjects.Select(i => data.Time[i]).ToArray(),
            subjects.Select(i => data.StratumLabels[data.Stratum[i]]).ToArray(), subjects, raw, scaled);
    }
}

/// <summary>Result of <see cref="CoxSchoenfeld"/>: one row per death.</summary>
/// <param name="Names">Covariate names.</param>
/// <param name="Time">Death time of each row.</param>
/// <param name="Stratum">Stratum label of each row ("all" without strata).</param>
/// <param name="Subject">Index of the subject (in the input order) of each row.</param>
/// <param name="Raw">Schoenfeld residuals x_i - x̄(t_i), one array of p values per row.</param>
/// <param name="Scaled">Scaled residuals β + d · V r_i.</param>
public sealed record SchoenfeldResiduals(string[] Names, double[] Time, string[] Stratum, int[] Subject, double[][] Raw, double[][] Scaled)
    : ISurvivalResult
{
    /// <inheritdoc />
    public SurvivalTable Summary => new("Schoenfeld residuals (raw | scaled)",
        ["time", "stratum", .. Names.Select(nm => $"{nm}"), .. Names.Select(nm => $"{nm} scaled")],
        [.. Time.Select((t, k) => (IReadOnlyList<object>)[t, Stratum[k], .. Raw[k].Cast<object>(), .. Scaled[k].Cast<object>()])]);
}

/// <summary>The data of a Cox fit, checked against it: covariates centred at the fit's means, risk weights exp(x·β).</summary>
internal sealed record CoxFitData(double[][] X, double[] Weight, double[] Time, bool[] Event, int[] Stratum, string[] StratumLabels)
{
    public static CoxFitData Check(CoxFit fit, IReadOnlyList<double[]> covariates, IReadOnlyList<double> time,
        IReadOnlyList<bool> eventObserved, IReadOnlyList<string>? strata)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(covariates);
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        SurvivalInput.CheckSameLength(time.Count, covariates.Count, nameof(covariates));
        int n = time.Count, p = fit.Coefficients.Length;
        string[] labels = ["all"];
        if (strata is not null) SurvivalInput.CheckSameLength(n, strata.Count, nameof(strata));
        var stratum = strata is null ? new int[n] : Labels.Encode(strata, nameof(strata), out labels);
        var x = new double[n][];
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            var row = covariates[i] ?? throw new ArgumentException($"covariates[{i}] is null.", nameof(covariates));
            if (row.Length != p) throw new ArgumentException($"covariates[{i}] has {row.Length} values; the fit has {p}.", nameof(covariates));
            x[i] = new double[p];
            double eta = 0;
            for (int j = 0; j < p; j++)
            {
                if (!double.IsFinite(row[j])) throw new ArgumentException($"covariates[{i}][{j}] = {row[j]}: expected a finite number.", nameof(covariates));
                x[i][j] = row[j] - fit.Means[j];
                eta += x[i][j] * fit.Coefficients[j];
            }
            w[i] = Math.Exp(eta);
        }
        if (!eventObserved.Any(e => e)) throw new NoEventsException($"none of the {n} subjects has an observed death.");
        return new CoxFitData(x, w, SurvivalInput.ToArray(time), SurvivalInput.ToArray(eventObserved), stratum, labels);
    }
}

/// <summary>The raw Schoenfeld residuals shared by <see cref="CoxSchoenfeld"/> and <see cref="CoxZph"/>.</summary>
internal static class SchoenfeldCore
{
    /// <summary>Deaths ordered by stratum, time ascending, input order within ties; their residual rows.</summary>
    public static (int[] Subjects, double[][] Residuals) Raw(CoxFit fit, CoxFitData data)
    {
        var (x, w, time, ev, stratum) = (data.X, data.Weight, data.Time, data.Event, data.Stratum);
        int n = time.Length, p = fit.Coefficients.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => stratum[i]).ThenByDescending(i => time[i]).ToArray();
        var mean = new double[n][];
        double s0 = 0;
        var s1 = new double[p];
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]] && stratum[order[stop + 1]] == stratum[order[start]]) stop++;
            if (start == 0 || stratum[order[start]] != stratum[order[start - 1]]) { s0 = 0; Array.Clear(s1); }
            double d0 = 0;
            var d1 = new double[p];
            int d = 0;
            for (int s = start; s <= stop; s++)
            {
                int i = order[s];
                s0 += w[i];
                for (int a = 0; a < p; a++) s1[a] += w[i] * x[i][a];
                if (!ev[i]) continue;
                d++;
                d0 += w[i];
                for (int a = 0; a < p; a++) d1[a] += w[i] * x[i][a];
            }
            if (d > 0)
            {
                var m = new double[p];
                for (int l = 0; l < d; l++)
                {
                    double f = fit.Ties == CoxTies.Efron ? (double)l / d : 0;
                    double denom = s0 - f * d0;
                    for (int a = 0; a < p; a++) m[a] += (s1[a] - f * d1[a]) / denom / d;
                }
                for (int s = start; s <= stop; s++) if (ev[order[s]]) mean[order[s]] = m;
            }
            start = stop + 1;
        }
        var subjects = Enumerable.Range(0, n).Where(i => ev[i]).OrderBy(i => stratum[i]).ThenBy(i => time[i]).ToArray();
        return (subjects, subjects.Select(i => x[i].Select((v, a) => v - mean[i][a]).ToArray()).ToArray());
    }
}
