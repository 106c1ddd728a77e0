using VPTSurv.Data;
using VPTSurv.Evaluation.References;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Survival;
using VPTSurv.Tests.Synthetic;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Evaluation;

public class ReferenceRowsTests
{
    [Theory]
    [InlineData("synthetic-cd4")]
    [InlineData("synthetic-cd8")]
    public void Oracle_reaches_the_designed_signal_on_the_same_test_slides(string name)
    {
        // The designed ceiling: C of the generator's true log-hazard on the test slides (the truth file, independent of
        // the oracle's fit). A Cox model fitted on the training subset's slide factors must come within its bootstrap
        // interval of it.
        var cohort = ManifestReader.Read(Path.Combine(RepoPaths.DataManifests, name + ".csv"));
        var row = ReferenceRows.Oracle(Preset.Cpu, cohort);
        var truth = SyntheticCohorts.ReadTruth(Path.Combine(RepoPaths.DataManifests, name + ".truth.csv")).ToDictionary(t => t.PatientId, t => t.LogHazard);
        var designed = new HarrellConcordance().Fit([.. row.Test.Select(s => s.Time)], [.. row.Test.Select(s => s.EventObserved)],
            [.. row.Test.Select(s => truth[s.PatientId])]).CIndex;
        Assert.True(row.SlideC.Lower <= designed && designed <= row.SlideC.Upper,
            $"designed C {designed:F3} outside the oracle's interval {row.SlideC.Estimate:F3} [{row.SlideC.Lower:F3}, {row.SlideC.Upper:F3}]");
        Assert.Equal(cohort.SlidesIn(Split.Test).Count(), row.Test.Count); // every test slide, as the models
        Assert.Equal(150, row.TrainSlides); // the Cpu preset's training subset
        // The signs of the design: more immune cells and infiltration lower the hazard, grade and architecture raise it.
        Assert.True(row.Coefficients[0] < 0 && row.Coefficients[1] < 0 && row.Coefficients[2] > 0 && row.Coefficients[3] > 0,
            string.Join(", ", row.Coefficients));
    }

    [Fact]
    public void Oracle_on_the_null_cohort_has_no_signal()
    {
        var cohort = ManifestReader.Read(Path.Combine(RepoPaths.DataManifests, "synthetic-null.csv"));
        var row = ReferenceRows.Oracle(Preset.Cpu, cohort);
        Assert.True(row.SlideC.Lower <= 0.5 && 0.5 <= row.SlideC.Upper, $"{row.SlideC.Estimate:F3} [{row.SlideC.Lower:F3}, {row.SlideC.Upper:F3}]");
    }

    [Fact]
    public void Oracle_names_a_slide_that_is_not_synthetic()
    {
        var cohort = ManifestReader.Read(Path.Combine(RepoPaths.DataManifests, "synthetic-cd4.csv"));
        var first = cohort.Patients[0];
        var patched = new Cohort(cohort.Name, [first with { Slides = [first.Slides[0] with { Source = "slides/a.svs" }] }, .. cohort.Patients.Skip(1)],
            cohort.CovariateNames);
        var ex = Assert.Throws<ArgumentException>(() => ReferenceRows.Oracle(Preset.Cpu with { Training = Preset.Cpu.Training with { Subset = null } }, patched));
        Assert.Contains(first.Slides[0].SlideId, ex.Message);
    }

    [Fact]
    public void Tile_based_rows_use_the_presets_subset_and_score_every_test_slide()
    {
        // The hand-feature and probe rows read the preset's tiles (tile pool) and encoder on the preset's subset: they
        // must be fitted on its training slides and scored on all of its test slides, as the trained models are.
        var cohort = ManifestReader.Read(Path.Combine(RepoPaths.DataManifests, "synthetic-cd4.csv"));
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Subset = new CohortSubset(Train: 16, Val: 10, Test: 12, Seed: 0) } };
        var work = Directory.CreateTempSubdirectory("vptsurv-refs-test-").FullName;
        try
        {
            var options = new TrainerOptions { WorkDirectory = work };
            var used = preset.Training.Subset!.Apply(cohort);
            var testIds = used.SlidesIn(Split.Test).Select(s => s.SlideId).Order().ToArray();
            foreach (var row in new[] { ReferenceRows.HandFeatures(preset, cohort, options), ReferenceRows.LinearProbe(preset, cohort, options) })
            {
                Assert.Equal(used.SlidesIn(Split.Train).Count(), row.TrainSlides);
                Assert.Equal(testIds, row.Test.Select(s => s.SlideId).Order().ToArray());
                Assert.Equal(0, row.Details["left_out_slides"]);
                Assert.InRange(row.SlideC.Estimate, 0, 1);
                Assert.Equal(row.Features.Count, row.Coefficients.Count);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Pooled features as the issue found them: a large first principal direction without signal, the survival signal in
    /// a weaker direction, the rest noise. Times from a Cox model (exponential baseline) on the signal direction.
    /// </summary>
    private static (List<double[]> X, SurvivalTargets Y, double[] TrueRisk) Planted(int n, int seed, bool signal)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = new List<double[]>();
        var time = new double[n];
        var ev = new bool[n];
        var risk = new double[n];
        for (int i = 0; i < n; i++)
        {
            double nuisance = 45 * Gauss(), s = Gauss();
            var row = new double[24];
            for (int j = 0; j < row.Length; j++) row[j] = nuisance * (j % 3 == 0 ? 1 : 0.5) + 0.3 * Gauss();
            for (int j = 0; j < 6; j++) row[j] += 2 * s; // the signal, spread over a few features
            risk[i] = 1.2 * s;
            double death = -Math.Log(1 - rng.NextDouble()) / (0.05 * Math.Exp(signal ? risk[i] : 0));
            double censor = 10 + 40 * rng.NextDouble();
            time[i] = Math.Max(0.01, Math.Min(death, censor));
            ev[i] = death <= censor;
            x.Add(row);
        }
        return (x, new SurvivalTargets(time, ev), risk);
    }

    [Fact]
    public void Probe_recovers_a_planted_signal()
    {
        var (xTrain, yTrain, _) = Planted(300, 1, signal: true);
        var (xVal, yVal, _) = Planted(100, 2, signal: true);
        var (xTest, yTest, trueRisk) = Planted(300, 3, signal: true);
        var fit = new LinearCoxProbe().Fit(xTrain, yTrain, xVal, yVal);
        var risk = xTest.Select(fit.Risk).ToArray();
        var probe = new HarrellConcordance(Bootstrap: new BootstrapSettings(500)).Fit(yTest, risk).Bootstrap!;
        double ceiling = new HarrellConcordance().Fit(yTest, trueRisk).CIndex;
        // The probe finds the weak direction behind the dominant nuisance one: its test C contains the true risk's C.
        Assert.True(probe.Lower <= ceiling && ceiling <= probe.Upper, $"probe {probe.Estimate:F3} [{probe.Lower:F3}, {probe.Upper:F3}], true risk {ceiling:F3}");
        Assert.True(probe.Lower > 0.5);
        Assert.True(fit.Components >= 2, $"chose {fit.Components} components; the first holds only the nuisance");
    }

    [Fact]
    public void Probe_on_features_without_signal_stays_near_one_half()
    {
        var (xTrain, yTrain, _) = Planted(300, 4, signal: false);
        var (xVal, yVal, _) = Planted(100, 5, signal: false);
        var (xTest, yTest, _) = Planted(300, 6, signal: false);
        var fit = new LinearCoxProbe().Fit(xTrain, yTrain, xVal, yVal);
        var probe = new HarrellConcordance(Bootstrap: new BootstrapSettings(500)).Fit(yTest, xTest.Select(fit.Risk).ToArray()).Bootstrap!;
        Assert.True(probe.Lower <= 0.5 && 0.5 <= probe.Upper, $"probe {probe.Estimate:F3} [{probe.Lower:F3}, {probe.Upper:F3}]");
    }

    [Fact]
    public void Stain_features_of_a_half_glass_dab_tile_are_counted_by_hand()
    {
        // Left half glass (255), right half pure DAB at OD 0.6 along the Ruifrok–Johnston DAB vector: tissue 50%, all of
        // it DAB-positive (0.6 > 0.25), mean DAB OD 0.6, hematoxylin ~0 and no nuclear pixel.
        var dab = StainVectors.RuifrokJohnstonHDab.Dab;
        int t = 8;
        var px = new byte[3 * t * t];
        for (int y = 0; y < t; y++)
            for (int xx = 0; xx < t; xx++)
            {
                int p = 3 * (y * t + xx);
                bool stained = xx >= t / 2;
                px[p] = stained ? StainDeconvolution.Intensity(0.6 * dab.R) : (byte)255;
                px[p + 1] = stained ? StainDeconvolution.Intensity(0.6 * dab.G) : (byte)255;
                px[p + 2] = stained ? StainDeconvolution.Intensity(0.6 * dab.B) : (byte)255;
            }
        var f = StainFeatures.OfTile(new RgbImage(t, t, px));
        Assert.Equal(0.5, f[0], 10);
        Assert.Equal(0.0, f[1], 1);
        Assert.Equal(0.6, f[2], 1);
        Assert.Equal((1.0, 0.0), (f[3], f[4]));
    }
}
