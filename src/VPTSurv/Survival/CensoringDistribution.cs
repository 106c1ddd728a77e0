namespace VPTSurv.Survival;

/// <summary>
/// Kaplan–Meier estimate G of the censoring distribution ("reverse KM"), used for inverse-probability-of-censoring
/// weights. As in R's <c>survival</c> (fastkm1), a death tied with a censoring at time c is still at risk of being
/// censored at c (censorings come after deaths): G(t) = prod_{c &lt;= t} (1 - m_c / n_c), with m_c censorings at c and
/// n_c subjects with time &gt;= c.
/// </summary>
internal sealed class CensoringDistribution
{
    private readonly double[] _times;   // distinct censoring times, ascending
    private readonly double[] _values;  // G just after each of them

    public CensoringDistribution(double[] time, bool[] eventObserved)
    {
        int n = time.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => time[i]).ToArray();
        var times = new List<double>();
        var values = new List<double>();
        double g = 1;
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]]) stop++;
            int censored = 0;
            for (int s = start; s <= stop; s++) if (!eventObserved[order[s]]) censored++;
            if (censored > 0)
            {
                int atRisk = n - start;
                g *= (double)(atRisk - censored) / atRisk;
                times.Add(time[order[start]]);
                values.Add(g);
            }
            start = stop + 1;
        }
        _times = times.ToArray();
        _values = values.ToArray();
    }

    /// <summary>G(t): probability of remaining uncensored beyond t (right-continuous).</summary>
    public double At(double t)
    {
        int k = UpperBound(t);      // number of censoring times <= t
        return k == 0 ? 1 : _values[k - 1];
    }

    /// <summary>G(t-): probability of remaining uncensored up to just before t.</summary>
    public double Before(double t)
    {
        int k = LowerBound(t);      // number of censoring times < t
        return k == 0 ? 1 : _values[k - 1];
    }

    private int UpperBound(double t)
    {
        int lo = 0, hi = _times.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (_times[mid] <= t) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private int LowerBound(double t)
    {
        int lo = 0, hi = _times.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (_times[mid] < t) lo = mid + 1; else hi = mid; }
        return lo;
    }
}
