using VPTSurv.Data;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Synthetic;

public class SyntheticCohortTests
{
    private static readonly Lazy<Dictionary<string, SyntheticCohort>> Generated =
        new(() => SyntheticCohortConfig.All.ToDictionary(c => c.Name, SyntheticCohorts.Generate));

    private static SyntheticCohort Get(string name) => Generated.Value[name];

    [Theory]
    [InlineData("synthetic-cd4", 564, 655, 449, 71, 135)]
    [InlineData("synthetic-cd8", 564, 754, 509, 83, 162)]
    [InlineData("synthetic-null", 564, 655, 449, 71, 135)]
    public void Cohorts_have_the_papers_patient_and_slide_counts_per_split(string name, int patients, int slides, int train, int val, int test)
    {
        var c = Get(name).Cohort;
        Assert.Equal(patients, c.Patients.Count);
        Assert.Equal(slides, c.Slides.Count());
        Assert.Equal(train, c.SlidesIn(Split.Train).Count());
        Assert.Equal(val, c.SlidesIn(Split.Val).Count());
        Assert.Equal(test, c.SlidesIn(Split.Test).Count());
        Assert.Contains(c.Patients, p => p.Slides.Count > 1);
        Assert.All(c.Patients, p => Assert.All(p.Slides, s => Assert.Equal(p.Split, s.Split)));
    }

    [Fact]
    public void Null_cohort_has_cd4s_slides_and_splits_but_its_own_outcomes()
    {
        var cd4 = Get("synthetic-cd4").Cohort;
        var nul = Get("synthetic-null").Cohort;
        Assert.Equal(cd4.Slides.Select(s => (s.SlideId, s.Source, s.Split)), nul.Slides.Select(s => (s.SlideId, s.Source, s.Split)));
        Assert.NotEqual(cd4.Patients.Select(p => p.Time), nul.Patients.Select(p => p.Time));
    }

    [Theory]
    [InlineData("synthetic-cd4")]
    [InlineData("synthetic-cd8")]
    [InlineData("synthetic-null")]
    public void Censoring_is_between_30_and_45_percent(string name)
    {
        var p = Get(name).Cohort.Patients;
        Assert.InRange(p.Count(x => !x.EventObserved) / (double)p.Count, 0.30, 0.45);
    }

    [Theory]
    [InlineData("synthetic-cd4")]
    [InlineData("synthetic-cd8")]
    public void Designed_signal_is_there_true_log_hazard_orders_the_generated_times(string name)
    {
        var (time, ev, lp) = Outcomes(Get(name));
        var c = new HarrellConcordance().Fit(time, ev, lp);
        Assert.InRange(c.CIndex, 0.72, 0.82); // the design's documented 0.75-0.8, with sampling slack
        // The times were drawn with exactly this log-hazard, so a Cox fit on it must find a coefficient near 1 (hazard ratio e).
        var fit = new CoxRegression().Fit(lp.Select(v => new[] { v }).ToList(), time, ev, ["log_hazard"]);
        Assert.True(fit.Lower[0] < Math.E && Math.E < fit.Upper[0], $"hazard ratio {fit.HazardRatios[0]:F3} [{fit.Lower[0]:F3}, {fit.Upper[0]:F3}], expected e");
    }

    [Fact]
    public void Null_cohort_times_ignore_the_latent_log_hazard()
    {
        var (time, ev, lp) = Outcomes(Get("synthetic-null"));
        Assert.InRange(new HarrellConcordance().Fit(time, ev, lp).CIndex, 0.45, 0.55);
        var fit = new CoxRegression().Fit(lp.Select(v => new[] { v }).ToList(), time, ev, ["log_hazard"]);
        Assert.True(fit.Lower[0] < 1 && 1 < fit.Upper[0], $"hazard ratio {fit.HazardRatios[0]:F3} [{fit.Lower[0]:F3}, {fit.Upper[0]:F3}], expected 1");
    }

    private static (double[] Time, bool[] Event, double[] LogHazard) Outcomes(SyntheticCohort g)
    {
        var lp = g.Truth.ToDictionary(t => t.PatientId, t => t.LogHazard);
        var p = g.Cohort.Patients;
        return ([.. p.Select(x => x.Time)], [.. p.Select(x => x.EventObserved)], [.. p.Select(x => lp[x.PatientId])]);
    }

    [Fact]
    public void Committed_manifests_regenerate_bit_identically()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-manifests-").FullName;
        try
        {
            var written = SyntheticCohorts.WriteManifests(dir);
            Assert.Equal(6, written.Count);
            foreach (var path in written)
            {
                var committed = Path.Combine(RepoPaths.DataManifests, Path.GetFileName(path));
                Assert.True(File.Exists(committed), $"{committed} is not committed");
                Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(path)),
                    $"{Path.GetFileName(path)} differs from what the seed generates (regenerate with the synthetic-manifests benchmark)");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Committed_manifests_read_back_as_the_generated_cohorts()
    {
        foreach (var config in SyntheticCohortConfig.All)
        {
            var read = ManifestReader.Read(Path.Combine(RepoPaths.DataManifests, config.Name + ".csv"));
            var gen = Get(config.Name).Cohort;
            Assert.Equal(gen.Slides, read.Slides);
            Assert.Equal(["age"], read.CovariateNames);
            var truth = SyntheticCohorts.ReadTruth(Path.Combine(RepoPaths.DataManifests, config.Name + ".truth.csv"));
            Assert.Equal(gen.Patients.Select(p => p.PatientId), truth.Select(t => t.PatientId));
        }
    }

    [Fact]
    public void Cohort_opens_its_synthetic_slides_with_their_ids()
    {
        var cohort = ManifestReader.Read(Path.Combine(RepoPaths.DataManifests, "synthetic-cd8.csv"));
        var record = cohort.SlidesIn(Split.Test).First();
        using var slide = cohort.OpenSlide(record);
        Assert.Equal(record.SlideId, slide.Id);
        Assert.Equal(record.Source, slide.Source);
        Assert.Equal(0.5, slide.MicronsPerPixel);
        Assert.Equal(64 * 64 * 3, slide.ReadRegion(0, 0, 2, 64, 64).Pixels.Length);
    }

    [Fact]
    public void Slides_vary_around_their_patients_factors()
    {
        var g = Get("synthetic-cd8");
        var truth = g.Truth.ToDictionary(t => t.PatientId);
        foreach (var s in g.Cohort.Slides)
        {
            var f = SyntheticSlideSpec.Parse(s.Source).Factors;
            var p = truth[s.PatientId].Factors;
            Assert.InRange(Math.Abs(f.Immune - p.Immune), 0, 0.3);
            Assert.InRange(Math.Abs(f.Grade - p.Grade), 0, 0.3);
        }
        Assert.Equal(g.Cohort.Slides.Count(), g.Cohort.Slides.Select(s => SyntheticSlideSpec.Parse(s.Source).Seed).Distinct().Count());
    }

    [Fact]
    public void Pretraining_slides_are_reproducible_and_never_cohort_slides()
    {
        var a = SyntheticPretrainingSlides.Create(20, 5);
        var b = SyntheticPretrainingSlides.Create(20, 5);
        Assert.Equal(a.Select(s => s.Spec), b.Select(s => s.Spec));
        Assert.NotEqual(a.Select(s => s.Spec), SyntheticPretrainingSlides.Create(20, 6).Select(s => s.Spec));
        var cohortSeeds = SyntheticCohortConfig.All.SelectMany(c => Get(c.Name).Cohort.Slides)
            .Select(s => SyntheticSlideSpec.Parse(s.Source).Seed).ToHashSet();
        Assert.All(a, s => Assert.True(s.SpecRecord.Seed >= SyntheticPretrainingSlides.SeedFloor));
        Assert.All(cohortSeeds, seed => Assert.True(seed < SyntheticPretrainingSlides.SeedFloor));
        Assert.Equal(2, a.Select(s => s.SpecRecord.Stain).Distinct().Count());
    }
}
