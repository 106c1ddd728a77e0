using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The tabular prompt's covariates are standardised with the training split's mean and SD, saved in the model file and
/// applied by name when the model predicts another cohort: predictions do not depend on that cohort's training split
/// or on the order of its covariate columns, and a covariate it lacks is an error naming it.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class CovariateStandardizationTests
{
    // The planted cohort with two covariates: age (one missing value in the training split) and grade (constant).
    private static Cohort WithCovariates(Cohort cohort, double trainAgeShift = 0, bool reversed = false)
    {
        var patients = cohort.Patients.Select((p, i) => p with
        {
            Covariates = new Dictionary<string, double>
            {
                ["age"] = i == 1 ? double.NaN : 40 + 3 * i + (p.Split == Split.Train ? trainAgeShift : 0),
                ["grade"] = 2,
            },
        }).ToList();
        return new Cohort(cohort.Name, patients, reversed ? ["grade", "age"] : ["age", "grade"]);
    }

    [Fact]
    public void Fit_uses_the_training_patients_finite_values_and_a_unit_scale_for_a_constant()
    {
        var cohort = WithCovariates(PlantedCohort.Create(train: 4, val: 2, test: 3));
        var s = CovariateStandardization.Fit(cohort, expected: 2);
        // Training patients 0..3: ages 40, NaN, 46, 49 -> mean 45, SD sqrt(((−5)² + 1² + 4²) / 2) = sqrt(21).
        Assert.Equal(["age", "grade"], s.Names);
        Assert.Equal(45, s.Mean[0], 12);
        Assert.Equal(Math.Sqrt(21), s.Scale[0], 12);
        Assert.Equal((2.0, 1.0), (s.Mean[1], s.Scale[1]));
        var back = CovariateStandardization.FromJson(s.ToJson(), "test");
        Assert.Equal(s.Names, back.Names);
        Assert.Equal(s.Mean, back.Mean);
        Assert.Equal(s.Scale, back.Scale);
        Assert.Contains("model.safetensors key 'covariates'", Assert.Throws<InvalidDataException>(
            () => CovariateStandardization.FromJson("{\"names\":[\"age\"],\"mean\":[1],\"scale\":[0]}", "model.safetensors key 'covariates'")).Message);
        Assert.Contains("reads 3 covariates", Assert.Throws<ArgumentException>(() => CovariateStandardization.Fit(cohort, expected: 3)).Message);
    }

    [Fact]
    public void A_saved_tabular_model_predicts_another_cohort_with_the_training_splits_standardisation()
    {
        var prompts = Preset.Smoke.Prompts with { Sources = PromptSources.Tabular, Covariates = 2 };
        var preset = Preset.Smoke with { Prompts = prompts, Training = Preset.Smoke.Training with { Epochs = 1 } };
        var cohort = WithCovariates(PlantedCohort.Create(train: 4, val: 2, test: 3));
        // The same patients, but the training split's ages shifted by 100 and the columns in another order: refitting on
        // it would move every test patient's standardised age, the saved standardisation does not.
        var shifted = WithCovariates(PlantedCohort.Create(train: 4, val: 2, test: 3), trainAgeShift: 100, reversed: true);
        Assert.NotEqual(CovariateStandardization.Fit(cohort, 2).Mean[0], CovariateStandardization.Fit(shifted, 2).Mean[1]);
        var dir = Directory.CreateTempSubdirectory("vptsurv-covariates-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            IReadOnlyList<SlidePrediction> before;
            using (var result = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = Path.Combine(dir, "train") }).Fit(cohort))
            {
                Assert.Equal(CovariateStandardization.Fit(cohort, 2).Mean, result.Covariates!.Mean);
                before = result.Predict(Split.Test);
                result.Save(path);
            }
            using var loaded = ModelFile.Load(path);
            Assert.Equal(["age", "grade"], loaded.Covariates!.Names);
            var options = new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = Path.Combine(dir, "predict") };
            var after = loaded.Predict(shifted, Split.Test, options);
            for (int i = 0; i < before.Count; i++)
                Assert.Equal(before[i].Logits, after[i].Logits);

            var lacking = new Cohort("lacking", [.. shifted.Patients.Select(p => p with { Covariates = new Dictionary<string, double> { ["grade"] = 2 } })], ["grade"]);
            var error = Assert.Throws<ArgumentException>(() => loaded.Predict(lacking, Split.Test, options));
            Assert.Contains("cohort 'lacking' lacks age", error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
