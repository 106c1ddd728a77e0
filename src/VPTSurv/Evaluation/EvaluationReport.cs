using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using VPTSurv.Survival;

namespace VPTSurv.Evaluation;

/// <summary>
/// The metrics of one split: Harrell's C per slide (as the paper) and per patient (mean risk of the patient's slides),
/// each with a bootstrap interval; Uno's C and the time-dependent AUC with censoring weights from the training split;
/// the integrated Brier score of the discrete-time survival curves; and the Kaplan–Meier split at the training
/// median risk with log-rank p and hazard ratio. A metric that cannot be computed on this split is null, and
/// <see cref="Notes"/> says why.
/// </summary>
public sealed record EvaluationReport(
    string Split, int Slides, int Patients, int Events,
    BootstrapInterval? SlideC, BootstrapInterval? PatientC, UnoConcordanceResult? UnoC,
    TimeDependentAucResult? Auc, BrierScoreResult? Brier, RiskGroups? Groups,
    IReadOnlyList<SlidePrediction> Predictions, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The training run behind the predictions, when the report comes from one (<see cref="TrainingResultEvaluation.Evaluate"/>):
    /// untrained (epoch 0) and per-epoch training and validation C and the did-not-learn verdict; written to JSON as
    /// <c>training</c> and <c>did_not_learn</c>.
    /// </summary>
    public Training.TrainingCurve? Training { get; init; }

    /// <summary>True when the run behind the report did not learn (then its C-index is not a result); false without a run.</summary>
    public bool DidNotLearn => Training?.DidNotLearn ?? false;

    /// <summary>
    /// Computes the report of <paramref name="predictions"/> (one split). <paramref name="training"/> are the training
    /// split's predictions (their median risk is the group cut; their outcomes give the censoring distribution);
    /// <paramref name="edges"/> are the time-bin edges that turn logits into survival curves.
    /// </summary>
    public static EvaluationReport Compute(IReadOnlyList<SlidePrediction> predictions, IReadOnlyList<SlidePrediction> training,
        IReadOnlyList<double> edges, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(training);
        if (predictions.Count == 0) throw new ArgumentException("No predictions to evaluate.", nameof(predictions));
        if (training.Count == 0) throw new ArgumentException("No training predictions (needed for the median-risk cut and censoring weights).", nameof(training));
        options ??= EvaluationOptions.Default;
        var notes = new List<string>();
        var split = predictions.Select(p => p.Split.ToManifest()).Distinct().ToList();
        var targets = new SurvivalTargets(predictions.Select(p => p.Time).ToArray(), predictions.Select(p => p.EventObserved).ToArray());
        var risk = predictions.Select(p => p.Risk).ToArray();
        var trainTargets = new SurvivalTargets(training.Select(p => p.Time).ToArray(), training.Select(p => p.EventObserved).ToArray());

        T? Try<T>(string what, Func<T> f) where T : class
        {
            try { return f(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                notes.Add($"{what}: not computed ({e.Message})");
                return null;
            }
        }

        var slideC = Try("per-slide C", () => new HarrellConcordance(options.Level, new BootstrapSettings(options.BootstrapResamples, options.Seed)).Fit(targets, risk).Bootstrap!);
        var patients = predictions.GroupBy(p => p.PatientId, StringComparer.Ordinal).ToList();
        var patientTargets = new SurvivalTargets(patients.Select(g => g.First().Time).ToArray(), patients.Select(g => g.First().EventObserved).ToArray());
        var patientRisk = patients.Select(g => g.Average(p => p.Risk)).ToArray();
        var patientC = Try("per-patient C", () => new HarrellConcordance(options.Level, new BootstrapSettings(options.BootstrapResamples, options.Seed)).Fit(patientTargets, patientRisk).Bootstrap!);
        var uno = Try("Uno's C", () => new UnoConcordance().Fit(targets, risk, trainTargets));

        var eventTimes = predictions.Where(p => p.EventObserved).Select(p => p.Time).Order().ToArray();
        var aucTimes = eventTimes.Length == 0 ? [] : options.AucAt
            .Select(q => MathNet.Numerics.Statistics.Statistics.QuantileCustom(eventTimes, q, MathNet.Numerics.Statistics.QuantileDefinition.R7))
            .Where(t => targets.Time.Any(y => y > t)).Distinct().Order().ToArray();
        var auc = aucTimes.Length == 0
            ? Try<TimeDependentAucResult>("time-dependent AUC", () => throw new ArgumentException("no event time with a subject still at risk after it"))
            : Try("time-dependent AUC", () => new TimeDependentAuc(aucTimes).Fit(targets, risk, trainTargets));

        var sorted = targets.Time.Order().ToArray();
        double lo = MathNet.Numerics.Statistics.Statistics.QuantileCustom(sorted, 0.1, MathNet.Numerics.Statistics.QuantileDefinition.R7);
        double hi = MathNet.Numerics.Statistics.Statistics.QuantileCustom(sorted, 0.8, MathNet.Numerics.Statistics.QuantileDefinition.R7);
        BrierScoreResult? brier;
        if (hi > lo && options.BrierPoints >= 2)
        {
            var times = Enumerable.Range(0, options.BrierPoints).Select(i => lo + (hi - lo) * i / (options.BrierPoints - 1)).ToArray();
            var s = new double[predictions.Count, times.Length];
            for (int i = 0; i < predictions.Count; i++)
                for (int k = 0; k < times.Length; k++)
                    s[i, k] = predictions[i].SurvivalAt(times[k], edges);
            brier = Try("integrated Brier score", () => new BrierScore(times).Fit(targets, s, trainTargets));
        }
        else
        {
            brier = null;
            notes.Add("integrated Brier score: not computed (the split's 10th and 80th time percentiles coincide)");
        }

        double median = RiskGroups.MedianCut(training.Select(p => p.Risk));
        var groups = Try("risk groups", () => RiskGroups.Compute(targets, risk, median));
        if (groups is not null) notes.AddRange(groups.Notes);

        return new EvaluationReport(string.Join("+", split), predictions.Count, patients.Count, targets.EventCount,
            slideC, patientC, uno, auc, brier, groups, predictions, notes);
    }

    /// <summary>The report as JSON (without the per-slide predictions, which <see cref="SavePredictionsCsv"/> writes).</summary>
    public JsonObject ToJson()
    {
        static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        static JsonObject? Interval(BootstrapInterval? c) => c is null ? null : new JsonObject
        {
            ["c_index"] = Num(c.Estimate), ["lower"] = Num(c.Lower), ["upper"] = Num(c.Upper), ["std_error"] = Num(c.StdError),
            ["level"] = c.Level, ["resamples"] = c.Resamples, ["skipped"] = c.Skipped,
        };
        static JsonObject? Km(KaplanMeierResult? k) => k is null ? null : new JsonObject
        {
            ["time"] = new JsonArray([.. k.Time.Select(v => Num(v))]),
            ["survival"] = new JsonArray([.. k.Survival.Select(v => Num(v))]),
            ["at_risk"] = new JsonArray([.. k.AtRisk.Select(v => (JsonNode)v)]),
            ["median"] = Num(k.Median),
        };
        return new JsonObject
        {
            ["format"] = "vptsurv-evaluation/1",
            ["split"] = Split, ["slides"] = Slides, ["patients"] = Patients, ["events"] = Events,
            ["c_index_slide"] = Interval(SlideC),
            ["c_index_patient"] = Interval(PatientC),
            ["uno_c"] = UnoC is null ? null : new JsonObject { ["c_index"] = Num(UnoC.CIndex), ["tau"] = Num(UnoC.Tau) },
            ["time_dependent_auc"] = Auc is null ? null : new JsonObject
            {
                ["times"] = new JsonArray([.. Auc.Times.Select(v => Num(v))]),
                ["auc"] = new JsonArray([.. Auc.Auc.Select(v => Num(v))]),
                ["mean_auc"] = Num(Auc.MeanAuc),
            },
            ["integrated_brier"] = Brier is null ? null : new JsonObject
            {
                ["ibs"] = Num(Brier.Integrated),
                ["times"] = new JsonArray([.. Brier.Times.Select(v => Num(v))]),
                ["brier"] = new JsonArray([.. Brier.Score.Select(v => Num(v))]),
            },
            ["risk_groups"] = Groups is null ? null : new JsonObject
            {
                ["threshold_training_median_risk"] = Num(Groups.Threshold),
                ["high_count"] = Groups.HighCount, ["low_count"] = Groups.LowCount,
                ["logrank_p"] = Num(Groups.LogRankP),
                ["hazard_ratio"] = Num(Groups.HazardRatio), ["hazard_ratio_lower"] = Num(Groups.HazardRatioLower), ["hazard_ratio_upper"] = Num(Groups.HazardRatioUpper),
                ["km_high"] = Km(Groups.High), ["km_low"] = Km(Groups.Low),
            },
            ["notes"] = new JsonArray([.. Notes.Select(n => (JsonNode)n)]),
            ["did_not_learn"] = Training is null ? null : Training.DidNotLearn,
            ["training"] = Training?.ToJson(),
        };
    }

    /// <summary>Writes <see cref="ToJson"/> (atomic; an existing file is kept unless <paramref name="overwrite"/>).</summary>
    public void SaveJson(string path, bool overwrite = false) =>
        AtomicFile.Write(path, tmp => File.WriteAllText(tmp, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true })), overwrite);

    /// <summary>
    /// Writes one row per slide: slide_id, patient_id, split, time, event, risk, then survival s_1..s_K and logits
    /// logit_1..logit_K (atomic; an existing file is kept unless <paramref name="overwrite"/>).
    /// </summary>
    public void SavePredictionsCsv(string path, bool overwrite = false) => AtomicFile.Write(path, tmp =>
    {
        using var writer = new StreamWriter(tmp, false, new UTF8Encoding(false));
        using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" });
        int k = Predictions.Count == 0 ? 0 : Predictions[0].Logits.Length;
        foreach (var h in new[] { "slide_id", "patient_id", "split", "time", "event", "risk" }
                     .Concat(Enumerable.Range(1, k).Select(i => $"s_{i}")).Concat(Enumerable.Range(1, k).Select(i => $"logit_{i}")))
            csv.WriteField(h);
        csv.NextRecord();
        foreach (var p in Predictions)
        {
            csv.WriteField(p.SlideId);
            csv.WriteField(p.PatientId);
            csv.WriteField(p.Split.ToManifest());
            csv.WriteField(p.Time.ToString("R", CultureInfo.InvariantCulture));
            csv.WriteField(p.EventObserved ? 1 : 0);
            csv.WriteField(p.Risk.ToString("R", CultureInfo.InvariantCulture));
            foreach (var v in p.Survival.Concat(p.Logits)) csv.WriteField(v.ToString("R", CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
    }, overwrite);
}
