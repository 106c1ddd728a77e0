using System.Reflection;
using VPTSurv.Tests.Synthetic;
using Xunit;

namespace VPTSurv.Tests.Architecture;

/// <summary>
/// The public API of the packages is committed as docs/api/&lt;assembly&gt;.txt, so a change to it shows in review; these
/// tests fail with the difference when the list is stale.
/// </summary>
public class PublicApiTests
{
    private const string Refresh = "VPTSURV_UPDATE_API=1 dotnet test tests/VPTSurv.Tests -c Release --filter \"FullyQualifiedName~PublicApiTests\"";

    public static TheoryData<string> Packages => ["VPTSurv", "VPTSurv.Charts", "VPTSurv.Interactive", "VPTSurv.Distributed"];

    private static Assembly Load(string name) => name switch
    {
        "VPTSurv" => typeof(VPTSurv.Survival.KaplanMeier).Assembly,
        "VPTSurv.Charts" => typeof(VPTSurv.Charts.KaplanMeierChart).Assembly,
        "VPTSurv.Interactive" => typeof(VPTSurv.Interactive.VptSurvKernelExtension).Assembly,
        "VPTSurv.Distributed" => typeof(VPTSurv.Distributed.Mpi.MpiWorld).Assembly,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a package of this repository"),
    };

    [Theory]
    [MemberData(nameof(Packages))]
    public void The_committed_api_list_is_the_compiled_public_surface(string package)
    {
        var path = Path.Combine(RepoPaths.Root(), "docs", "api", package + ".txt");
        var current = PublicApi.Lines(Load(package));
        if (Environment.GetEnvironmentVariable("VPTSURV_UPDATE_API") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, string.Join("\n", current) + "\n");
        }
        var committed = File.Exists(path) ? File.ReadAllLines(path) : [];
        var diff = PublicApi.Diff(committed, current);
        Assert.True(diff.Length == 0,
            $"docs/api/{package}.txt is not the public API of the compiled {package} (- committed only, + compiled only):\n{diff}\n" +
            $"If the change is intended, refresh the list and commit it: {Refresh}");
    }

    [Fact]
    public void A_stale_list_shows_as_removed_and_added_lines()
    {
        var current = PublicApi.Lines(Load("VPTSurv"));
        var stale = current.Where(l => !l.StartsWith("VPTSurv.Survival.KaplanMeier.Fit(", StringComparison.Ordinal))
            .Append("VPTSurv.Survival.KaplanMeier.Gone() | method void").Order(StringComparer.Ordinal).ToList();

        var diff = PublicApi.Diff(stale, current).Split('\n');

        Assert.Contains("- VPTSurv.Survival.KaplanMeier.Gone() | method void", diff);
        Assert.Contains(diff, l => l.StartsWith("+ VPTSurv.Survival.KaplanMeier.Fit(", StringComparison.Ordinal));
        Assert.DoesNotContain(diff, l => !l.StartsWith("- ", StringComparison.Ordinal) && !l.StartsWith("+ ", StringComparison.Ordinal));
        Assert.Equal("", PublicApi.Diff(current, current));
    }

    [Fact]
    public void The_list_shows_signatures_with_nullability_defaults_and_modifiers()
    {
        var lines = PublicApi.Lines(Load("VPTSurv"));
        Assert.Contains("VPTSurv.Evaluation.RiskGroups | sealed record class : IEquatable<RiskGroups>", lines);
        Assert.Contains("VPTSurv.Evaluation.RiskGroups.HighLabel | const field string = \"high risk\"", lines);
        Assert.Contains("VPTSurv.Survival.DiscreteTimeHead.RiskOf(IReadOnlyList<double> logits) | static method double", lines);
        Assert.Contains("VPTSurv.Slides.SlideSource.Open(string source, SlideSource.Reader reader = Reader.Auto, string? id = null) | static method ISlide", lines);
        Assert.Contains("VPTSurv.Slides.ISlide.ReaderName | default property string { get; }", lines);
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        Assert.Equal(lines.Count, lines.Distinct().Count());
    }
}
