using AngleSharp.Html.Parser;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using VPTSurv.Charts.KaplanMeier;
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

    [Fact]
    public void Labels_are_html_encoded()
    {
        var curve = new KaplanMeierCurve("<script>x</script>", [new SurvivalStep(1, 2, 1, 0, 0.5, 0.2, 0.9), new SurvivalStep(2, 1, 0, 1, 0.5, 0.2, 0.9)]);
        Assert.DoesNotContain("<script>x", SurvivalHtml.Curve(curve));
        Assert.Contains("&lt;script&gt;x", SurvivalHtml.Curve(curve));
    }
}
