using System.Text.Json.Nodes;
using VPTSurv.Model;
using VPTSurv.Survival;

namespace VPTSurv.Evaluation;

/// <summary>One slide's risk from a reference model or a trained run, with the slide's outcome.</summary>
/// <param name="SlideId">The slide.</param>
/// <param name="PatientId">Its patient (the resampling unit of paired comparisons).</param>
/// <param name="Time">Follow-up time.</param>
/// <param name="EventObserved">Whether the death was observed.</param>
/// <param name="Risk">Higher = worse.</param>
public sealed record SlideRisk(string SlideId, string PatientId, double Time, bool EventObserved, double Risk)
{
    /// <summary>The risks of a run's predictions (<see cref="SlidePrediction.Risk"/>).</summary>
    public static IReadOnlyList<SlideRisk> Of(IEnumerable<SlidePrediction> predictions) =>
        predictions.Select(p => new SlideRisk(p.SlideId, p.PatientId, p.Time, p.EventObserved, p.Risk)).ToList();
}

/// <summary>
/// A reference row of Table 1: a simple model fitted on the training split and scored on the same test slides as the
/// trained models, per slide (as the paper) and per patient (mean risk of the patient's slides), each with a bootstrap
/// interval. References show what the data allow (the oracle) and what simple features already hold.
/// </summary>
/// <param name="Name">Row name, e.g. "oracle (true latent factors)".</param>
/// <param name="Cohort">Cohort name.</param>
/// <param name="Description">What the model is and what it was fitted on.</param>
/// <param name="SlideC">Harrell's C on the test slides with its bootstrap interval.</param>
/// <param name="PatientC">Harrell's C per test patient (null when not computable).</param>
/// <param name="TrainSlides">Training slides the model was fitted on.</param>
/// <param name="Features">Names of the covariates of the final Cox model.</param>
/// <param name="Coefficients">Their Cox coefficients (per standardised unit where the features were standardised).</param>
/// <param name="Details">Settings and selection figures (penalty, chosen components, validation C per candidate, …).</param>
/// <param name="Test">The test slides' risks (for paired comparisons with other rows).</param>
public sealed record ReferenceRow(
    string Name, string Cohort, string Description, BootstrapInterval SlideC, BootstrapInterval? PatientC, int TrainSlides,
    IReadOnlyList<string> Features, IReadOnlyList<double> Coefficients, IReadOnlyDictionary<string, double> Details,
    IReadOnlyList<SlideRisk> Test)
{
    /// <summary>The row as JSON: C per slide and per patient with intervals, the model's features and coefficients, the
    /// details; the per-slide risks only when <paramref name="withRisks"/>.</summary>
    public JsonObject ToJson(bool withRisks = false)
    {
        var json = new JsonObject
        {
            ["name"] = Name, ["cohort"] = Cohort, ["description"] = Description,
            ["c_index_slide"] = Json.Interval(SlideC), ["c_index_patient"] = Json.Interval(PatientC),
            ["train_slides"] = TrainSlides,
            ["coefficients"] = new JsonObject(Features.Select((f, i) => KeyValuePair.Create(f, Json.Number(Coefficients[i])))),
            ["details"] = new JsonObject(Details.Select(kv => KeyValuePair.Create(kv.Key, Json.Number(kv.Value)))),
        };
        if (withRisks)
            json["test"] = new JsonArray([.. Test.Select(s => (JsonNode)new JsonObject
            {
                ["slide_id"] = s.SlideId, ["patient_id"] = s.PatientId, ["time"] = s.Time, ["event"] = s.EventObserved, ["risk"] = Json.Number(s.Risk),
            })]);
        return json;
    }

    /// <summary>Scores <paramref name="test"/> risks: C per slide and per patient with bootstrap intervals.</summary>
    internal static (BootstrapInterval Slide, BootstrapInterval? Patient) Score(IReadOnlyList<SlideRisk> test, EvaluationOptions options)
    {
        var harrell = new HarrellConcordance(options.Level, new BootstrapSettings(options.BootstrapResamples, options.Seed));
        var slide = harrell.Fit(test.Select(s => s.Time).ToArray(), test.Select(s => s.EventObserved).ToArray(),
            test.Select(s => s.Risk).ToArray()).Bootstrap!;
        var patients = test.GroupBy(s => s.PatientId, StringComparer.Ordinal).ToList();
        BootstrapInterval? patient = null;
        try
        {
            patient = harrell.Fit(patients.Select(g => g.First().Time).ToArray(), patients.Select(g => g.First().EventObserved).ToArray(),
                patients.Select(g => g.Average(s => s.Risk)).ToArray()).Bootstrap!;
        }
        catch (NoComparablePairsException) { }
        return (slide, patient);
    }
}
