namespace VPTSurv.Survival;

/// <summary>
/// Index bookkeeping for Cox risk sets: subjects sorted by time descending, so the risk set of time t (all with
/// time &gt;= t) is a prefix ending at the last subject tied at t. Events are listed with the group of their time
/// and their Efron fraction l/d (l = 0..d-1 among the d deaths tied there).
/// </summary>
internal sealed class CoxRiskSetPlan
{
    public required long[] OrderDescending { get; init; }
    public required long[] SortedPositionOfEvent { get; init; }
    public required long[] GroupEndOfEvent { get; init; }
    public required long[] GroupOfEvent { get; init; }
    public required double[] EfronFraction { get; init; }
    public required int GroupCount { get; init; }
    public required bool HasTiedEvents { get; init; }
    public int EventCount => SortedPositionOfEvent.Length;

    public static CoxRiskSetPlan Build(double[] time, bool[] eventObserved)
    {
        int n = time.Length;
        // Descending time; a stable sort keeps the result reproducible.
        var order = Enumerable.Range(0, n).OrderByDescending(i => time[i]).ToArray();
        var pos = new List<long>();
        var end = new List<long>();
        var grp = new List<long>();
        var frac = new List<double>();
        int groups = 0;
        bool tied = false;
        for (int start = 0; start < n;)
        {
            int stop = start;
            while (stop + 1 < n && time[order[stop + 1]] == time[order[start]]) stop++;
            int d = 0;
            for (int s = start; s <= stop; s++) if (eventObserved[order[s]]) d++;
            if (d > 0)
            {
                int l = 0;
                for (int s = start; s <= stop; s++)
                {
                    if (!eventObserved[order[s]]) continue;
                    pos.Add(s);
                    end.Add(stop);
                    grp.Add(groups);
                    frac.Add((double)l++ / d);
                }
                groups++;
                tied |= d > 1;
            }
            start = stop + 1;
        }
        return new CoxRiskSetPlan
        {
            OrderDescending = order.Select(i => (long)i).ToArray(),
            SortedPositionOfEvent = pos.ToArray(),
            GroupEndOfEvent = end.ToArray(),
            GroupOfEvent = grp.ToArray(),
            EfronFraction = frac.ToArray(),
            GroupCount = groups,
            HasTiedEvents = tied,
        };
    }
}
