using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Survival;

namespace VPTSurv.Bench;

/// <summary>
/// The designed signal of each synthetic cohort, as generated: censoring, median time, split sizes, and Harrell's C of
/// the true latent log-hazard on the generated times (all patients and the test split's slides). Not a timing.
/// </summary>
internal static class SyntheticSignal
{
    [Benchmark("synthetic-signal")]
    public static JsonNode Run()
    {
        var result = new JsonObject();
        foreach (var config in SyntheticCohortConfig.All)
        {
            var g = SyntheticCohorts.Generate(config);
            var patients = g.Cohort.Patients;
            var lp = g.Truth.ToDictionary(t => t.PatientId, t => t.LogHazard);
            var c = new HarrellConcordance().Fit([.. patients.Select(p => p.Time)], [.. patients.Select(p => p.EventObserved)], [.. patients.Select(p => lp[p.PatientId])]);
            var test = g.Cohort.SlidesIn(Split.Test).ToList();
            var cTest = new HarrellConcordance().Fit([.. test.Select(s => s.Time)], [.. test.Select(s => s.EventObserved)], [.. test.Select(s => lp[s.PatientId])]);
            result[config.Name] = new JsonObject
            {
                ["patients"] = patients.Count,
                ["slides"] = g.Cohort.Slides.Count(),
                ["slides_train_val_test"] = $"{g.Cohort.SlidesIn(Split.Train).Count()}/{g.Cohort.SlidesIn(Split.Val).Count()}/{test.Count}",
                ["censored_fraction"] = Math.Round(patients.Count(p => !p.EventObserved) / (double)patients.Count, 3),
                ["median_time_months"] = patients.Select(p => p.Time).Order().ElementAt(patients.Count / 2),
                ["c_true_log_hazard_patients"] = Math.Round(c.CIndex, 4),
                ["c_true_log_hazard_test_slides"] = Math.Round(cTest.CIndex, 4),
            };
        }
        return result;
    }
}
