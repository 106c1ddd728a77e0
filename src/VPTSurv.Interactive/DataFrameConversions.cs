using Microsoft.Data.Analysis;
using VPTSurv.Data;
using VPTSurv.Evaluation;
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
}
