using AngleSharp.Html.Parser;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts;
using VPTSurv.Survival;
using VPTSurv.Charts.Runtime;
using VPTSurv.Interactive;
using Xunit;

namespace VPTSurv.Tests.Interactive;

// The formatter registry is process-wide; these tests register and read it, so they do not run in parallel with each other.
[Collection("dotnet-interactive formatters")]
public class NotebookFormatterTests
{
    [Fact]
    public async Task Loading_the_extension_registers_html_formatters_and_the_FSharp_Core_resolver()
    {
        using var kernel = new CompositeKernel();
        await new VptSurvKernelExtension().OnLoadAsync(kernel);
        Assert.True(FSharpCoreBinding.IsInstalled);
        var html = LungFixture.Chart().ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("Log-rank p = 0.0013", html);
    }

    [Fact]
    public void Kaplan_Meier_curve_formatter_shows_size_events_median_and_at_risk_numbers()
    {
        NotebookFormatters.Register();
        var male = LungFixture.Curves["male"];
        var doc = new HtmlParser().ParseDocument(male.ToDisplayString(HtmlFormatter.MimeType));
        var summary = doc.QuerySelectorAll("table")[0].QuerySelectorAll("tbody td").Select(td => td.TextContent).ToArray();
        Assert.Equal(["male", "138", "112", "270"], summary);
        var rows = doc.QuerySelectorAll("table")[1].QuerySelectorAll("tbody tr")
            .Select(tr => tr.QuerySelectorAll("td").Select(td => td.TextContent).ToArray()).ToArray();
        var at500 = rows.Single(r => r[0] == "500");
        Assert.Equal(LungFixture.HandCountAtRisk("male", 500).ToString(), at500[1]);
        Assert.Equal(ChartText.Number(male.SurvivalAt(500)), at500[2]);
    }

    private static string[][] Rows(string html, int table = 0) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("table")[table].QuerySelectorAll("tbody tr")
            .Select(tr => tr.QuerySelectorAll("td").Select(td => td.TextContent).ToArray()).ToArray();

    private static (double[] Time, bool[] Event) Lung(Func<(double Time, bool Event, string Group, double Age), bool>? where = null)
    {
        var s = LungFixture.Subjects.Where(where ?? (_ => true)).ToArray();
        return (s.Select(x => x.Time).ToArray(), s.Select(x => x.Event).ToArray());
    }

    [Fact]
    public void Kaplan_Meier_result_formatter_shows_R_median_and_the_life_table()
    {
        NotebookFormatters.Register();
        var (t, e) = Lung(x => x.Group == "female");
        var html = new KaplanMeier().Fit(t, e).ToDisplayString(HtmlFormatter.MimeType);
        var summary = Rows(html)[0];
        Assert.Equal(["90", "53", "426"], summary[..3]);
        var at400 = Rows(html, 1).Single(r => r[0] == "400");
        Assert.Equal(LungFixture.HandCountAtRisk("female", 400).ToString(), at400[1]);
        Assert.Equal(ChartText.Number(LungFixture.Curves["female"].SurvivalAt(400)), at400[4]);
    }

    [Fact]
    public void Log_rank_formatter_shows_R_statistic_and_p()
    {
        NotebookFormatters.Register();
        var (t, e) = Lung();
        var groups = LungFixture.Subjects.Select(x => x.Group == "female" ? 1 : 0).ToArray();
        var html = new VPTSurv.Survival.LogRankTest().Fit(t, e, groups).ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("χ² = 10.327 on 1 df, p = 0.0013", html);
        var observed = Rows(html).Select(r => r[1]).ToArray();
        Assert.Equal([LungFixture.Subjects.Count(x => x.Event && x.Group == "male").ToString(),
                      LungFixture.Subjects.Count(x => x.Event && x.Group == "female").ToString()], observed);
    }

    [Fact]
    public void Cox_formatter_shows_R_hazard_ratio_and_interval()
    {
        NotebookFormatters.Register();
        var (t, e) = Lung();
        var x = LungFixture.Subjects.Select(s => new double[] { s.Group == "female" ? 1 : 0 }).ToArray();
        var row = Rows(new CoxRegression().Fit(x, t, e, ["female"]).ToDisplayString(HtmlFormatter.MimeType)).Single();
        Assert.Equal("female", row[0]);
        Assert.Equal(ChartText.Number(LungFixture.Stats["hr_female_vs_male"]), row[2]);
        Assert.Equal(ChartText.Number(LungFixture.Stats["hr_lower95"]), row[3]);
        Assert.Equal(ChartText.Number(LungFixture.Stats["hr_upper95"]), row[4]);
    }

    [Fact]
    public void Concordance_formatter_shows_R_pair_counts()
    {
        NotebookFormatters.Register();
        var (t, e) = Lung();
        var c = new HarrellConcordance().Fit(t, e, LungFixture.Subjects.Select(s => s.Age).ToArray());
        var row = Rows(c.ToDisplayString(HtmlFormatter.MimeType)).Single();
        var s = LungFixture.Stats;
        Assert.Equal(ChartText.Number(s["age_cindex"], 4), row[0]);
        Assert.Equal([s["age_concordant"], s["age_discordant"], s["age_tied_risk"], s["age_tied_time"], s["age_tied_time_and_risk"]],
            row[2..].Select(double.Parse));
    }

    [Fact]
    public void Concordance_table_is_a_data_frame_with_one_row_per_model()
    {
        var (t, e) = Lung();
        var byAge = new HarrellConcordance().Fit(t, e, LungFixture.Subjects.Select(s => s.Age).ToArray());
        var bySex = new HarrellConcordance().Fit(t, e, LungFixture.Subjects.Select(s => s.Group == "male" ? 1.0 : 0.0).ToArray());
        var frame = ConcordanceTable.Create([("age", byAge), ("sex", bySex)]);
        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal(["model", "C-index", "comparable", "concordant", "discordant", "tied risk"], frame.Columns.Select(c => c.Name));
        Assert.Equal("sex", frame.Columns["model"][1]);
        Assert.Equal(bySex.CIndex, (double)frame.Columns["C-index"][1]!);
        Assert.Equal((long)LungFixture.Stats["age_concordant"], (long)frame.Columns["concordant"][0]!);
    }

    [Fact]
    public void Diagnostics_formatter_lists_every_runtime_row()
    {
        NotebookFormatters.Register();
        var d = VPTSurv.Runtime.Diagnostics.Collect();
        var rows = Rows(d.ToDisplayString(HtmlFormatter.MimeType));
        Assert.Equal(d.Rows().Select(r => new[] { r.Name, r.Value }), rows);
    }

    [Fact]
    public void Parameter_report_formatter_shows_each_part_and_the_totals()
    {
        NotebookFormatters.Register();
        var report = new VPTSurv.Model.ParameterReport([new("encoder", 0, 1_000_000), new("adaptors", 2_500, 0), new("decoder", 7_500, 0)]);
        var html = report.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("10,000 trainable of 1,010,000 (0.99%)", html);
        Assert.Equal(["all", "10,000", "1,000,000", "1,010,000"], Rows(html)[^1]);
        Assert.Equal(["encoder", "0", "1,000,000", "1,000,000"], Rows(html)[0]);
    }

    [Fact]
    public void Labels_are_html_encoded()
    {
        var curve = new KaplanMeierCurve("<script>x</script>", [new SurvivalStep(1, 2, 1, 0, 0.5, 0.2, 0.9), new SurvivalStep(2, 1, 0, 1, 0.5, 0.2, 0.9)]);
        Assert.DoesNotContain("<script>x", SurvivalHtml.Curve(curve));
        Assert.Contains("&lt;script&gt;x", SurvivalHtml.Curve(curve));
    }
}
