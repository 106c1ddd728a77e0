using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Evaluation.References;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Survival;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// The reference rows of Table 1 (oracle, hand-feature Cox, linear Cox probe) on the synthetic cohorts, with the
/// preset's subset, tiles and encoder — the same test slides as the notebooks' models. Not a timing (the seconds are
/// recorded for the record). Settings: VPTSURV_PRESET (default cpu), VPTSURV_COHORTS (default
/// synthetic-cd4,synthetic-cd8,synthetic-null), VPTSURV_WORK (caches; default the notebooks' work folder, so the tile
/// pools and features are shared with notebooks 02–04).
/// </summary>
internal static class ReferencesBench
{
    [Benchmark("references")]
    public static JsonNode Run()
    {
        var preset = Preset.ByName(Environment.GetEnvironmentVariable("VPTSURV_PRESET") ?? "cpu");
        var cohorts = (Environment.GetEnvironmentVariable("VPTSURV_COHORTS") ?? "synthetic-cd4,synthetic-cd8,synthetic-null")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var work = Environment.GetEnvironmentVariable("VPTSURV_WORK") ?? Path.Combine(Path.GetTempPath(), "vptsurv-notebooks", preset.Name);
        var manifests = Path.GetFullPath("data-manifests"); // run from the repository root, as synthetic-manifests
        var trainer = new TrainerOptions { WorkDirectory = work, Log = m => Console.Error.WriteLine(m) };
        var result = new JsonObject
        {
            ["preset"] = preset.Name,
            ["subset"] = preset.Training.Subset?.ToString() ?? "whole cohort",
            ["tiles_per_slide"] = preset.Training.TilePool?.ToString() ?? $"{preset.Training.InferenceTiles} (no pool)",
            ["bootstrap"] = "1000 resamples of the test slides, seed 0, 95% percentile interval",
            ["command"] = $"OMP_NUM_THREADS=1 VPTSURV_PRESET={preset.Name} dotnet run -c Release --project bench/VPTSurv.Bench -- references --out bench/results/references.json",
        };
        foreach (var name in cohorts)
        {
            var cohort = ManifestReader.Read(Path.Combine(manifests, name + ".csv"));
            var clock = Stopwatch.StartNew();
            var rows = ReferenceRows.All(preset, cohort, trainer, log: m => Console.Error.WriteLine(m));
            // The designed signal on the same test slides: C of the true patient log-hazard (the truth file).
            var truth = SyntheticCohorts.ReadTruth(Path.Combine(manifests, name + ".truth.csv")).ToDictionary(t => t.PatientId, t => t.LogHazard);
            var test = rows[0].Test;
            var designed = new HarrellConcordance().Fit([.. test.Select(s => s.Time)], [.. test.Select(s => s.EventObserved)], [.. test.Select(s => truth[s.PatientId])]);
            // ... and on the training slides the rows were fitted on: the ceiling of a training C.
            var train = (preset.Training.Subset?.Apply(cohort) ?? cohort).SlidesIn(Split.Train).ToList();
            var designedTrain = new HarrellConcordance().Fit([.. train.Select(s => s.Time)], [.. train.Select(s => s.EventObserved)], [.. train.Select(s => truth[s.PatientId])]);
            result[name] = new JsonObject
            {
                ["c_true_log_hazard_test_slides"] = Math.Round(designed.CIndex, 4),
                ["c_true_log_hazard_train_slides"] = Math.Round(designedTrain.CIndex, 4),
                ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)r.ToJson())]),
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            };
        }
        return result;
    }
}
