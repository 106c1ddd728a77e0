// Writes the Kaplan–Meier chart of R's `lung` data by sex (the survival tests' reference data) as standalone offline
// HTML and as PNG, from R's tables committed under tests/VPTSurv.Tests/Fixtures/Interactive. Used by make-km-chart.sh,
// which screenshots the HTML in headless Chromium into docs/km-chart.png.
// Usage: dotnet run docs/km-chart.cs -- <output folder>
#:project ../src/VPTSurv.Charts/VPTSurv.Charts.csproj
using System.Globalization;
using VPTSurv.Charts;

var output = args.Length > 0 ? args[0] : throw new ArgumentException("usage: km-chart.cs <output folder>");
var fixtures = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "..", "tests", "VPTSurv.Tests", "Fixtures", "Interactive");
static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
static int I(string s) => int.Parse(s, CultureInfo.InvariantCulture);

var curves = File.ReadLines(Path.Combine(fixtures, "lung_km_by_sex.csv")).Skip(1).Select(l => l.Split(','))
    .GroupBy(f => f[0])
    .Select(g => new KaplanMeierCurve(g.Key, g.Select(f => new SurvivalStep(D(f[1]), I(f[2]), I(f[3]), I(f[4]), D(f[5]), D(f[6]), D(f[7])))))
    .ToDictionary(c => c.Label);
var stats = File.ReadLines(Path.Combine(fixtures, "lung_stats.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => D(f[1]));

var chart = KaplanMeierChart
    .Create([curves["female"], curves["male"]], new KaplanMeierChartOptions(
        Title: "NCCTG lung cancer: overall survival by sex (R survival::lung)", TimeLabel: "Days", Width: 1000, Height: 700))
    .WithLogRank(new LogRankAnnotation(stats["logrank_chisq"], (int)stats["logrank_df"], stats["logrank_p"]))
    .WithHazardRatio(new HazardRatioAnnotation(stats["hr_female_vs_male"], stats["hr_lower95"], stats["hr_upper95"], "female vs male"));

Directory.CreateDirectory(output);
chart.SaveHtml(Path.Combine(output, "km-chart.html"), offline: true, overwrite: true);
chart.SavePng(Path.Combine(output, "km-chart-scottplot.png"), overwrite: true);
Console.WriteLine($"wrote {Path.Combine(output, "km-chart.html")} and km-chart-scottplot.png");
