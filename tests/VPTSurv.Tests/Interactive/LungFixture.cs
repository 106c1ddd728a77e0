using System.Globalization;
using VPTSurv.Charts;

namespace VPTSurv.Tests.Interactive;

/// <summary>R's <c>lung</c> data by sex and R's survfit / survdiff / coxph results on it (Fixtures/Interactive/lung_by_sex.R).</summary>
internal static class LungFixture
{
    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The raw data: time, event observed, group (sex), age.</summary>
    public static IReadOnlyList<(double Time, bool Event, string Group, double Age)> Subjects { get; } =
        File.ReadLines(TestSetup.Fixture("Interactive", "lung.csv")).Skip(1)
            .Select(l => l.Split(',')).Select(f => (D(f[0]), f[1] == "1", f[2], D(f[3]))).ToArray();

    /// <summary>R's survfit tables (summary with censored = TRUE, log confidence intervals), per group.</summary>
    public static IReadOnlyDictionary<string, KaplanMeierCurve> Curves { get; } =
        File.ReadLines(TestSetup.Fixture("Interactive", "lung_km_by_sex.csv")).Skip(1)
            .Select(l => l.Split(','))
            .GroupBy(f => f[0])
            .ToDictionary(g => g.Key, g => new KaplanMeierCurve(g.Key, g.Select(f =>
                new SurvivalStep(D(f[1]), int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture),
                    int.Parse(f[4], CultureInfo.InvariantCulture), D(f[5]), D(f[6]), D(f[7])))));

    /// <summary>R's log-rank and Cox results (keys as in the CSV).</summary>
    public static IReadOnlyDictionary<string, double> Stats { get; } =
        File.ReadLines(TestSetup.Fixture("Interactive", "lung_stats.csv")).Skip(1)
            .Select(l => l.Split(',')).ToDictionary(f => f[0], f => D(f[1]));

    public static KaplanMeierChart Chart(KaplanMeierChartOptions? options = null) =>
        KaplanMeierChart.Create([Curves["female"], Curves["male"]], options ?? new KaplanMeierChartOptions(
                Title: "Lung cancer survival by sex (R survival::lung)", TimeLabel: "Days"))
            .WithLogRank(new LogRankAnnotation(Stats["logrank_chisq"], (int)Stats["logrank_df"], Stats["logrank_p"]))
            .WithHazardRatio(new HazardRatioAnnotation(Stats["hr_female_vs_male"], Stats["hr_lower95"], Stats["hr_upper95"], "female vs male"));

    /// <summary>Number at risk at t counted by hand from the raw data: subjects of the group with time &gt;= t.</summary>
    public static int HandCountAtRisk(string group, double t) => Subjects.Count(s => s.Group == group && s.Time >= t);
}
