using Microsoft.Data.Analysis;
using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Model;
using VPTSurv.Survival;
using VPTSurv.Training;

namespace VPTSurv.Interactive;

/// <summary>
/// VPTSurv's data and results as <see cref="DataFrame"/>s (Microsoft.Data.Analysis): numbers stay numbers at full
/// precision, missing values are nulls, and notebooks show them as tables that can be sorted, filtered and saved
/// (<c>DataFrame.SaveCsv</c>).
/// </summary>
public static class DataFrameConversions
{
    /// <summary>One row per patient: id, split, time, event, number of slides, then one column per covariate.</summary>
    public static DataFrame ToDataFrame(this Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var p = cohort.Patients;
        var df = new DataFrame(
            new StringDataFrameColumn("patient_id", p.Select(x => x.PatientId)),
            new StringDataFrameColumn("split", p.Select(x => x.Split?.ToManifest())),
            new DoubleDataFrameColumn("time", p.Select(x => x.Time)),
            new BooleanDataFrameColumn("event", p.Select(x => x.EventObserved)),
            new Int32DataFrameColumn("slides", p.Select(x => x.Slides.Count)));
        foreach (var name in cohort.CovariateNames)
            df.Columns.Add(new DoubleDataFrameColumn(name, p.Select(x => x.Covariates.TryGetValue(name, out var v) && !double.IsNaN(v) ? v : (double?)null)));
        return df;
    }

    /// <summary>One row per slide: slide, patient, stain, split, time, event and source.</summary>
    public static DataFrame SlidesDataFrame(this Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var s = cohort.Slides.ToArray();
        return new DataFrame(
            new StringDataFrameColumn("slide_id", s.Select(x => x.SlideId)),
            new StringDataFrameColumn("patient_id", s.Select(x => x.PatientId)),
            new StringDataFrameColumn("stain", s.Select(x => x.Stain)),
            new StringDataFrameColumn("split", s.Select(x => x.Split?.ToManifest())),
            new DoubleDataFrameColumn("time", s.Select(x => x.Time)),
            new BooleanDataFrameColumn("event", s.Select(x => x.EventObserved)),
            new StringDataFrameColumn("source", s.Select(x => x.Source)));
    }

    /// <summary>One row per slide: ids, split, time, event, risk, then the predicted survival after each time bin (s_1 … s_K).</summary>
    public static DataFrame ToDataFrame(this IEnumerable<SlidePrediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var p = predictions.ToArray();
        var df = new DataFrame(
            new StringDataFrameColumn("slide_id", p.Select(x => x.SlideId)),
            new StringDataFrameColumn("patient_id", p.Select(x => x.PatientId)),
            new StringDataFrameColumn("split", p.Select(x => x.Split.ToManifest())),
            new DoubleDataFrameColumn("time", p.Select(x => x.Time)),
            new BooleanDataFrameColumn("event", p.Select(x => x.EventObserved)),
            new DoubleDataFrameColumn("risk", p.Select(x => x.Risk)));
        int bins = p.Length == 0 ? 0 : p.Max(x => x.Logits.Length);
        var survival = p.Select(x => x.Survival).ToArray();
        for (int k = 0; k < bins; k++)
        {
            int bin = k;
            df.Columns.Add(new DoubleDataFrameColumn($"s_{bin + 1}", survival.Select(s => bin < s.Length ? s[bin] : (double?)null)));
        }
        return df;
    }

    /// <summary>
    /// The report's metrics, one row each: metric, estimate, lower, upper (null where the metric has no interval or
    /// was not computed on the split; <see cref="EvaluationReport.Notes"/> says why).
    /// </summary>
    public static DataFrame ToDataFrame(this EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<(string Metric, double? Value, double? Lower, double? Upper)>
        {
            ("C per slide", report.SlideC?.Estimate, report.SlideC?.Lower, report.SlideC?.Upper),
            ("C per patient", report.PatientC?.Estimate, report.PatientC?.Lower, report.PatientC?.Upper),
            ("Uno's C", report.UnoC?.CIndex, null, null),
            ("mean time-dependent AUC", report.Auc?.MeanAuc, null, null),
            ("integrated Brier score", report.Brier?.Integrated, null, null),
            ("log-rank p (high vs low risk)", report.Groups?.LogRankP, null, null),
            ("hazard ratio (high vs low risk)", report.Groups?.HazardRatio, report.Groups?.HazardRatioLower, report.Groups?.HazardRatioUpper),
        };
        static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
        return new DataFrame(
            new StringDataFrameColumn("metric", rows.Select(r => r.Metric)),
            new DoubleDataFrameColumn("value", rows.Select(r => Finite(r.Value))),
            new DoubleDataFrameColumn("lower", rows.Select(r => Finite(r.Lower))),
            new DoubleDataFrameColumn("upper", rows.Select(r => Finite(r.Upper))));
    }

    /// <summary>Several reports side by side, one row per (name, report): split, sizes and every metric as a column.</summary>
    /// <param name="reports">(name, report) pairs, e.g. one per method or seed.</param>
    public static DataFrame ToDataFrame(this IEnumerable<(string Name, EvaluationReport Report)> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var r = reports.ToArray();
        static double? F(double? v) => v is { } x && double.IsFinite(x) ? x : null;
        return new DataFrame(
            new StringDataFrameColumn("name", r.Select(x => x.Name)),
            new StringDataFrameColumn("split", r.Select(x => x.Report.Split)),
            new Int32DataFrameColumn("slides", r.Select(x => x.Report.Slides)),
            new Int32DataFrameColumn("events", r.Select(x => x.Report.Events)),
            new DoubleDataFrameColumn("C per slide", r.Select(x => F(x.Report.SlideC?.Estimate))),
            new DoubleDataFrameColumn("C lower", r.Select(x => F(x.Report.SlideC?.Lower))),
            new DoubleDataFrameColumn("C upper", r.Select(x => F(x.Report.SlideC?.Upper))),
            new DoubleDataFrameColumn("C per patient", r.Select(x => F(x.Report.PatientC?.Estimate))),
            new DoubleDataFrameColumn("Uno's C", r.Select(x => F(x.Report.UnoC?.CIndex))),
            new DoubleDataFrameColumn("mean AUC", r.Select(x => F(x.Report.Auc?.MeanAuc))),
            new DoubleDataFrameColumn("IBS", r.Select(x => F(x.Report.Brier?.Integrated))),
            new DoubleDataFrameColumn("log-rank p", r.Select(x => F(x.Report.Groups?.LogRankP))),
            new DoubleDataFrameColumn("HR high vs low", r.Select(x => F(x.Report.Groups?.HazardRatio))));
    }

    /// <summary>The Kaplan–Meier table: one row per distinct observed time.</summary>
    public static DataFrame ToDataFrame(this KaplanMeierResult km)
    {
        ArgumentNullException.ThrowIfNull(km);
        return new DataFrame(
            new DoubleDataFrameColumn("time", km.Time),
            new Int32DataFrameColumn("at risk", km.AtRisk),
            new Int32DataFrameColumn("events", km.Events),
            new Int32DataFrameColumn("censored", km.Censored),
            new DoubleDataFrameColumn("survival", km.Survival),
            new DoubleDataFrameColumn("std err", km.StdErr),
            new DoubleDataFrameColumn("lower", km.Lower),
            new DoubleDataFrameColumn("upper", km.Upper));
    }

    /// <summary>The epochs of a run: epoch, training loss, validation C, learning rate, seconds.</summary>
    public static DataFrame ToDataFrame(this IEnumerable<EpochRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var h = history.ToArray();
        return new DataFrame(
            new Int32DataFrameColumn("epoch", h.Select(e => e.Epoch)),
            new DoubleDataFrameColumn("training loss", h.Select(e => e.TrainLoss)),
            new DoubleDataFrameColumn("validation C", h.Select(e => e.ValidationC)),
            new DoubleDataFrameColumn("learning rate", h.Select(e => e.LearningRate)),
            new DoubleDataFrameColumn("seconds", h.Select(e => e.Seconds)));
    }
    /// <summary>
    /// One row per table row (cohort, model): seeds run, mean, SD, lowest and highest test C, runs marked "did not
    /// learn", and the paired bootstrap comparison with the table's comparison row (difference of seed-mean C, interval,
    /// p); numbers as numbers, null where there is none (SD of one run, the comparison row itself).
    /// </summary>
    public static DataFrame ToDataFrame(this ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var r = table.Rows;
        static double? N(double v) => double.IsFinite(v) ? v : null;
        return new DataFrame(
            new StringDataFrameColumn("cohort", r.Select(x => x.Cohort)),
            new StringDataFrameColumn("model", r.Select(x => x.Name)),
            new StringDataFrameColumn("category", r.Select(x => x.Category)),
            new Int32DataFrameColumn("seeds", r.Select(x => x.Seeds.Length)),
            new DoubleDataFrameColumn("test C mean", r.Select(x => N(x.Mean))),
            new DoubleDataFrameColumn("test C SD", r.Select(x => N(x.Sd))),
            new DoubleDataFrameColumn("test C min", r.Select(x => N(x.Min))),
            new DoubleDataFrameColumn("test C max", r.Select(x => N(x.Max))),
            new Int32DataFrameColumn("did not learn", r.Select(x => x.DidNotLearnCount)),
            new DoubleDataFrameColumn($"diff vs {table.ComparisonRow}", r.Select(x => x.VersusComparisonRow is { } v ? N(v.Difference) : null)),
            new DoubleDataFrameColumn("diff lower", r.Select(x => x.VersusComparisonRow is { } v ? N(v.Lower) : null)),
            new DoubleDataFrameColumn("diff upper", r.Select(x => x.VersusComparisonRow is { } v ? N(v.Upper) : null)),
            new DoubleDataFrameColumn("p", r.Select(x => x.VersusComparisonRow is { } v ? N(v.PValue) : null)));
    }

    /// <summary>One row per run: cohort, model, seed, test C per slide and per patient, and its did-not-learn mark.</summary>
    public static DataFrame SeedsDataFrame(this ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var runs = table.Rows.SelectMany(x => x.Seeds.Select((seed, i) => (Row: x, Seed: seed, I: i))).ToArray();
        static double? N(double v) => double.IsFinite(v) ? v : null;
        return new DataFrame(
            new StringDataFrameColumn("cohort", runs.Select(x => x.Row.Cohort)),
            new StringDataFrameColumn("model", runs.Select(x => x.Row.Name)),
            new Int32DataFrameColumn("seed", runs.Select(x => x.Seed)),
            new DoubleDataFrameColumn("test C per slide", runs.Select(x => N(x.Row.TestC[x.I]))),
            new DoubleDataFrameColumn("test C per patient", runs.Select(x => x.I < x.Row.PatientC.Length ? N(x.Row.PatientC[x.I]) : null)),
            new BooleanDataFrameColumn("did not learn", runs.Select(x => x.Row.DidNotLearn[x.I])));
    }
}
