using VPTSurv.Charts.Runtime;
using VPTSurv.Evaluation;
using VPTSurv.Runtime;
using VPTSurv.Survival;

namespace VPTSurv.Charts;

/// <summary>
/// A Kaplan–Meier chart: one step curve per group with its confidence band and censor ticks, the number at risk
/// under the time axis, and the log-rank test and hazard ratio printed on the chart. Immutable; the <c>With…</c>
/// methods return changed copies. Written as interactive HTML (Plotly.NET, standalone and offline if asked), as a PNG
/// (ScottPlot), or shown inline in a notebook by the VPTSurv.Interactive extension.
/// </summary>
public sealed class KaplanMeierChart
{
    private KaplanMeierChart(IReadOnlyList<KaplanMeierCurve> groups, KaplanMeierChartOptions options,
        LogRankAnnotation? logRank, HazardRatioAnnotation? hazardRatio)
    {
        Groups = groups;
        Options = options;
        LogRank = logRank;
        HazardRatio = hazardRatio;
    }

    /// <summary>The curves, in legend order.</summary>
    public IReadOnlyList<KaplanMeierCurve> Groups { get; }

    /// <summary>What is shown and how large.</summary>
    public KaplanMeierChartOptions Options { get; }

    /// <summary>The log-rank test shown on the chart, if any.</summary>
    public LogRankAnnotation? LogRank { get; }

    /// <summary>The hazard ratio shown on the chart, if any.</summary>
    public HazardRatioAnnotation? HazardRatio { get; }

    /// <summary>A chart of the given groups with the default options.</summary>
    /// <exception cref="ArgumentException">When no group is given or two groups share a label.</exception>
    public static KaplanMeierChart Create(params KaplanMeierCurve[] groups) => Create(groups, KaplanMeierChartOptions.Default);

    /// <summary>A chart of the given groups.</summary>
    /// <exception cref="ArgumentException">When no group is given or two groups share a label.</exception>
    public static KaplanMeierChart Create(IEnumerable<KaplanMeierCurve> groups, KaplanMeierChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = groups.ToArray();
        if (list.Length == 0) throw new ArgumentException("A Kaplan–Meier chart needs at least one group.", nameof(groups));
        var duplicate = list.GroupBy(g => g.Label).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two groups are labelled '{duplicate.Key}'; labels must be distinct.", nameof(groups));
        return new KaplanMeierChart(list, Validate(options ?? KaplanMeierChartOptions.Default), null, null);
    }

    /// <summary>
    /// Fits everything a Kaplan–Meier figure shows from per-subject data: a Kaplan–Meier curve per group (log-scale
    /// confidence bands, R's default), the log-rank test across the groups, and, for two groups, the Cox hazard ratio
    /// of the second group versus the first (Efron ties).
    /// </summary>
    /// <param name="time">Observed time per subject (&gt; 0).</param>
    /// <param name="eventObserved">Whether the subject's death was observed.</param>
    /// <param name="group">Group label per subject, e.g. "low risk" / "high risk".</param>
    /// <param name="order">Group order in the legend (the reference group first); null orders by first appearance.</param>
    /// <param name="options">Chart options.</param>
    /// <exception cref="ArgumentException">When lengths differ, a group of <paramref name="order"/> has no subject, or a subject's group is not in <paramref name="order"/>.</exception>
    public static KaplanMeierChart FromData(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<string> group,
        IReadOnlyList<string>? order = null, KaplanMeierChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(eventObserved);
        ArgumentNullException.ThrowIfNull(group);
        if (eventObserved.Count != time.Count || group.Count != time.Count)
            throw new ArgumentException($"time has {time.Count} entries, eventObserved {eventObserved.Count} and group {group.Count}; expected one per subject.");
        var labels = (order ?? group.Distinct().ToArray()).ToArray();
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var codes = new int[group.Count];
        for (int i = 0; i < group.Count; i++)
            codes[i] = index.TryGetValue(group[i], out var c) ? c
                : throw new ArgumentException($"Subject {i} is in group '{group[i]}', which is not among the groups given ({string.Join(", ", labels)}).", nameof(group));
        var fitter = new KaplanMeier();
        var curves = new List<KaplanMeierCurve>();
        for (int g = 0; g < labels.Length; g++)
        {
            var members = Enumerable.Range(0, codes.Length).Where(i => codes[i] == g).ToArray();
            if (members.Length == 0) throw new ArgumentException($"Group '{labels[g]}' has no subject.", nameof(order));
            curves.Add(fitter.Fit(members.Select(i => time[i]).ToArray(), members.Select(i => eventObserved[i]).ToArray()).ToCurve(labels[g]));
        }
        var chart = Create(curves, options);
        if (labels.Length < 2) return chart;
        // A test or a hazard ratio that cannot be computed (no death, complete separation) leaves its annotation out.
        try { chart = chart.WithLogRank(new VPTSurv.Survival.LogRankTest().Fit(time, eventObserved, codes).ToAnnotation()); }
        catch (ArgumentException) { }
        if (labels.Length == 2)
        {
            var indicator = codes.Select(c => new double[] { c }).ToArray();
            try
            {
                var cox = new CoxRegression().Fit(indicator, time, eventObserved, [labels[1]]);
                if (cox.Converged) chart = chart.WithHazardRatio(cox.ToAnnotation($"{labels[1]} vs {labels[0]}"));
            }
            catch (ArgumentException) { }
        }
        return chart;
    }

    /// <summary>
    /// Risk groups of a model, as survival papers show them: subjects with risk above <paramref name="threshold"/> form
    /// the high-risk group (<see cref="RiskGroups.HighLabel"/>), the others the low-risk group; then as <see cref="FromData"/> (curves, log-rank, hazard
    /// ratio of high versus low risk).
    /// </summary>
    /// <param name="time">Observed time per subject.</param>
    /// <param name="eventObserved">Whether the subject's death was observed.</param>
    /// <param name="risk">The model's risk per subject (higher = worse).</param>
    /// <param name="threshold">The cut; null takes the median of <paramref name="risk"/> (<see cref="RiskGroups.MedianCut"/>). To avoid tuning on the test
    /// data, pass the median risk of the training split.</param>
    /// <param name="options">Chart options.</param>
    /// <exception cref="ArgumentException">When lengths differ, a risk is not finite, or a group would be empty.</exception>
    public static KaplanMeierChart FromRisk(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved, IReadOnlyList<double> risk,
        double? threshold = null, KaplanMeierChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(risk);
        for (int i = 0; i < risk.Count; i++)
            if (!double.IsFinite(risk[i])) throw new ArgumentException($"risk[{i}] = {risk[i]}; expected a finite number.", nameof(risk));
        double cut = threshold ?? RiskGroups.MedianCut(risk);
        return FromData(time, eventObserved, RiskGroups.Labels(risk, cut), [RiskGroups.LowLabel, RiskGroups.HighLabel], options);
    }

    /// <summary>A chart of one fitted estimate; as <see cref="KaplanMeierCharting.Chart(KaplanMeierResult, string, KaplanMeierChartOptions?)"/>.</summary>
    public static KaplanMeierChart From(KaplanMeierResult km, string label = "all", KaplanMeierChartOptions? options = null) => km.Chart(label, options);

    /// <summary>A chart of fitted estimates per group; as <see cref="KaplanMeierCharting.Chart(IEnumerable{ValueTuple{string, KaplanMeierResult}}, LogRankResult?, CoxFit?, KaplanMeierChartOptions?)"/>.</summary>
    public static KaplanMeierChart From(IEnumerable<(string Label, KaplanMeierResult Km)> groups, LogRankResult? logRank = null,
        CoxFit? hazardRatio = null, KaplanMeierChartOptions? options = null) => groups.Chart(logRank, hazardRatio, options);

    /// <summary>The risk-group chart of an evaluation report; as <see cref="KaplanMeierCharting.Chart(Evaluation.RiskGroups, KaplanMeierChartOptions?)"/>.</summary>
    public static KaplanMeierChart From(Evaluation.RiskGroups groups, KaplanMeierChartOptions? options = null) => groups.Chart(options);

    /// <summary>A copy with other options.</summary>
    public KaplanMeierChart WithOptions(KaplanMeierChartOptions options) => new(Groups, Validate(options), LogRank, HazardRatio);

    /// <summary>A copy that prints the log-rank test.</summary>
    public KaplanMeierChart WithLogRank(LogRankAnnotation logRank) => new(Groups, Options, logRank, HazardRatio);

    /// <summary>A copy that prints the hazard ratio.</summary>
    public KaplanMeierChart WithHazardRatio(HazardRatioAnnotation hazardRatio) => new(Groups, Options, LogRank, hazardRatio);

    /// <summary>The last observed time over all groups.</summary>
    public double MaxTime => Groups.Max(g => g.LastTime);

    /// <summary>The times of the axis ticks, which are also the columns of the at-risk table.</summary>
    public IReadOnlyList<double> AtRiskTimes => Options.AtRiskTimes ?? ChartText.NiceTicks(MaxTime);

    /// <summary>The at-risk table: one row per group, one column per time of <see cref="AtRiskTimes"/>.</summary>
    public int[][] AtRiskCounts()
    {
        var times = AtRiskTimes;
        return Groups.Select(g => times.Select(g.AtRiskAt).ToArray()).ToArray();
    }

    /// <summary>The lines of statistics printed on the chart (log-rank, hazard ratio), in order.</summary>
    public IReadOnlyList<string> StatisticsLines()
    {
        var lines = new List<string>();
        if (LogRank is not null) lines.Add(LogRank.ToString());
        if (HazardRatio is not null) lines.Add(HazardRatio.ToString());
        return lines;
    }

    /// <summary>The legend entry of a group: its label with its size and events.</summary>
    public static string LegendText(KaplanMeierCurve g) => $"{g.Label} (n = {g.Count}, events = {g.EventCount})";

    /// <summary>
    /// A complete HTML document. With <paramref name="offline"/> plotly.js (about 3.6 MB) is embedded so the file
    /// renders with no network; otherwise it is loaded from a CDN.
    /// </summary>
    public string ToHtml(bool offline = true) => KaplanMeierPlotly.Document(this, offline);

    /// <summary>
    /// An HTML fragment for a notebook output: the chart's div and a script that draws it once plotly.js is on the page
    /// (see <see cref="Notebook.PlotlyNotebookHtml"/>). The kernel extension decides per output whether to embed the library.
    /// </summary>
    /// <param name="embedLibrary">Embed plotly.js (about 3.6 MB) so this output renders on its own, offline.</param>
    /// <param name="source">Where plotly.js comes from when it is not embedded.</param>
    public string ToNotebookHtml(bool embedLibrary = true, Notebook.PlotlyJsSource source = Notebook.PlotlyJsSource.EmbedOnce) =>
        Notebook.PlotlyNotebookHtml.Fragment(ToPlotlyJson(), embedLibrary, source);

    /// <summary>The Plotly figure as JSON (data, layout), e.g. for a custom page.</summary>
    public string ToPlotlyJson() => KaplanMeierPlotly.FigureJson(this);

    /// <summary>Writes <see cref="ToHtml"/> to <paramref name="path"/> atomically (temporary name, then rename).</summary>
    /// <param name="path">Target file.</param>
    /// <param name="offline">Embed plotly.js so the page works without network.</param>
    /// <param name="overwrite">Replace an existing file; otherwise an existing file is an error.</param>
    /// <exception cref="IOException">When the file exists and <paramref name="overwrite"/> is false.</exception>
    public void SaveHtml(string path, bool offline = true, bool overwrite = false) =>
        AtomicFile.WriteAllText(path, ToHtml(offline), overwrite);

    /// <summary>Writes the chart as a PNG (ScottPlot) of <see cref="KaplanMeierChartOptions.Width"/> × <see cref="KaplanMeierChartOptions.Height"/> pixels, atomically.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="overwrite">Replace an existing file; otherwise an existing file is an error.</param>
    /// <exception cref="IOException">When the file exists and <paramref name="overwrite"/> is false.</exception>
    public void SavePng(string path, bool overwrite = false) =>
        AtomicFile.WriteAllBytes(path, ToPng(), overwrite);

    /// <summary>The chart as PNG bytes (ScottPlot).</summary>
    public byte[] ToPng() => KaplanMeierPng.Render(this);

    private static KaplanMeierChartOptions Validate(KaplanMeierChartOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Width < 200 || o.Height < 200)
            throw new ArgumentException($"Chart size {o.Width} × {o.Height} is too small; expected at least 200 × 200 pixels.", nameof(o));
        if (o.AtRiskTimes is { } t)
        {
            if (t.Count == 0) throw new ArgumentException("AtRiskTimes is empty; give at least one time or null for automatic ticks.", nameof(o));
            for (int i = 0; i < t.Count; i++)
                if (!double.IsFinite(t[i]) || t[i] < 0 || (i > 0 && t[i] <= t[i - 1]))
                    throw new ArgumentException($"AtRiskTimes[{i}] = {t[i]}: expected finite, >= 0 and strictly increasing times.", nameof(o));
        }
        return o;
    }
}
