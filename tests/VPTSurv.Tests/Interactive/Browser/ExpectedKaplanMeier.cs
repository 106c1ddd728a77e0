using System.Globalization;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>
/// What a Kaplan–Meier chart of groups must show, counted by hand from (time, event, group) rows: size and events per
/// group, distinct censoring times (one tick each), and the number still at risk (time &gt;= t) at given times.
/// </summary>
internal sealed record ExpectedGroup(string Label, double[] Time, bool[] Event)
{
    public int Count => Time.Length;
    public int Events => Event.Count(e => e);
    public int CensorTicks => Time.Where((t, i) => !Event[i]).Distinct().Count();
    public int AtRisk(double t) => Time.Count(x => x >= t);
    public string Legend => $"{Label} (n = {Count}, events = {Events})";

    /// <summary>The test split of notebook 01 cut at the median oracle log-hazard, read straight from the two CSV files.</summary>
    public static ExpectedGroup[] Quickstart(string manifestCsv, string truthCsv)
    {
        var patients = new Dictionary<string, (double Time, bool Event)>();
        var lines = File.ReadAllLines(manifestCsv);
        var header = lines[0].Split(',');
        int id = Array.IndexOf(header, "patient_id"), time = Array.IndexOf(header, "time"),
            evt = Array.IndexOf(header, "event"), split = Array.IndexOf(header, "split");
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split(',');
            if (f[split] == "test") patients.TryAdd(f[id], (D(f[time]), f[evt] == "1"));
        }
        var truthLines = File.ReadAllLines(truthCsv);
        var th = truthLines[0].Split(',');
        int tid = Array.IndexOf(th, "patient_id"), lh = Array.IndexOf(th, "log_hazard");
        var logHazard = truthLines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToDictionary(f => f[tid], f => D(f[lh]));
        var test = patients.Keys.Select(p => (p, logHazard[p])).ToArray();
        var sorted = test.Select(x => x.Item2).Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        ExpectedGroup Group(string label, Func<double, bool> member)
        {
            var ids = test.Where(x => member(x.Item2)).Select(x => x.p).ToArray();
            return new(label, ids.Select(p => patients[p].Time).ToArray(), ids.Select(p => patients[p].Event).ToArray());
        }
        return [Group("low risk", r => r <= median), Group("high risk", r => r > median)];
    }

    public static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
