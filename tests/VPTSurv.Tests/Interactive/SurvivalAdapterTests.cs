using VPTSurv.Charts;
using VPTSurv.Evaluation;
using Xunit;

namespace VPTSurv.Tests.Interactive;

public class SurvivalAdapterTests
{
    private static KaplanMeierChart FromRawLung() => KaplanMeierChart.FromData(
        LungFixture.Subjects.Select(s => s.Time).ToArray(), LungFixture.Subjects.Select(s => s.Event).ToArray(),
        LungFixture.Subjects.Select(s => s.Group).ToArray(), order: ["male", "female"]);

    [Fact]
    public void FromData_curves_equal_R_survfit_tables()
    {
        var chart = FromRawLung();
        Assert.Equal(["male", "female"], chart.Groups.Select(g => g.Label));
        foreach (var ours in chart.Groups)
        {
            var r = LungFixture.Curves[ours.Label];
            Assert.Equal(r.Steps.Count, ours.Steps.Count);
            for (int i = 0; i < r.Steps.Count; i++)
            {
                var (a, b) = (r.Steps[i], ours.Steps[i]);
                Assert.Equal((a.Time, a.AtRisk, a.Events, a.Censored), (b.Time, b.AtRisk, b.Events, b.Censored));
                Assert.Equal(a.Survival, b.Survival, 1e-12);
                Assert.Equal(a.Lower, b.Lower, 1e-12);
                Assert.Equal(a.Upper, b.Upper, 1e-12);
            }
        }
    }

    [Fact]
    public void FromData_prints_R_log_rank_and_the_hazard_ratio_of_the_second_group_vs_the_first()
    {
        var chart = FromRawLung();
        Assert.Equal(LungFixture.Stats["logrank_chisq"], chart.LogRank!.ChiSquare, 1e-8);
        Assert.Equal(LungFixture.Stats["logrank_p"], chart.LogRank.PValue, 1e-10);
        Assert.Equal("female vs male", chart.HazardRatio!.Comparison);
        Assert.Equal(LungFixture.Stats["hr_female_vs_male"], chart.HazardRatio.Ratio, 1e-6);
        Assert.Equal(LungFixture.Stats["hr_lower95"], chart.HazardRatio.Lower, 1e-6);
        Assert.Equal(LungFixture.Stats["hr_upper95"], chart.HazardRatio.Upper, 1e-6);
    }

    [Fact]
    public void FromData_names_a_subject_whose_group_is_not_listed_and_an_empty_group()
    {
        var s = LungFixture.Subjects;
        var time = s.Select(x => x.Time).ToArray();
        var ev = s.Select(x => x.Event).ToArray();
        var group = s.Select(x => x.Group).ToArray();
        Assert.Contains("Subject 0 is in group 'male'", Assert.Throws<ArgumentException>(() =>
            KaplanMeierChart.FromData(time, ev, group, order: ["female"])).Message);
        Assert.Contains("Group 'other' has no subject", Assert.Throws<ArgumentException>(() =>
            KaplanMeierChart.FromData(time, ev, group, order: ["male", "female", "other"])).Message);
        Assert.Contains("one per subject", Assert.Throws<ArgumentException>(() =>
            KaplanMeierChart.FromData(time, ev[1..], group)).Message);
    }
}

public class RiskGroupTests
{
    [Fact]
    public void FromRisk_cuts_at_the_median_and_compares_high_with_low_risk()
    {
        var s = LungFixture.Subjects;
        var time = s.Select(x => x.Time).ToArray();
        var ev = s.Select(x => x.Event).ToArray();
        var age = s.Select(x => x.Age).ToArray();
        var chart = KaplanMeierChart.FromRisk(time, ev, age);
        var median = age.Order().ToArray() is var sorted && sorted.Length % 2 == 0
            ? (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2 : sorted[sorted.Length / 2];
        Assert.Equal([RiskGroups.LowLabel, RiskGroups.HighLabel], chart.Groups.Select(g => g.Label));
        Assert.Equal(age.Count(a => a <= median), chart.Groups[0].Count);
        Assert.Equal(age.Count(a => a > median), chart.Groups[1].Count);
        Assert.Equal("high risk vs low risk", chart.HazardRatio!.Comparison);
    }

    [Fact]
    public void FromRisk_with_a_threshold_that_empties_a_group_names_the_group()
    {
        var s = LungFixture.Subjects;
        var e = Assert.Throws<ArgumentException>(() => KaplanMeierChart.FromRisk(
            s.Select(x => x.Time).ToArray(), s.Select(x => x.Event).ToArray(), s.Select(x => x.Age).ToArray(), threshold: 1000));
        Assert.Contains("'high risk' has no subject", e.Message);
    }
}
