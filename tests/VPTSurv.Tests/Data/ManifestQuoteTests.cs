using VPTSurv.Data;
using Xunit;

namespace VPTSurv.Tests.Data;

/// <summary>Quotes in manifests: problems are reported on the line where they are, and never end up inside an id.</summary>
public sealed class ManifestQuoteTests
{
    [Fact]
    public void Unterminated_quote_is_reported_on_the_line_it_opens()
    {
        using var files = new ManifestTestFiles();
        var rows = ManifestTestFiles.ValidRows;
        // Line 3 opens a quote that is never closed; CsvHelper reads to the end of the file as one field.
        var path = files.Write("open.csv", ManifestTestFiles.Header, rows[0], "A,\"A-2,slides/a2.svs,12.5,1,train,CD8,61", rows[2], rows[3]);
        var ex = Assert.Throws<ManifestValidationException>(() => ManifestReader.Read(path));
        var problem = Assert.Single(ex.Problems);
        Assert.Equal(3, problem.Line);
        Assert.Contains("quote", problem.Message);
    }

    [Fact]
    public void Stray_quote_inside_an_id_is_reported_not_kept()
    {
        using var files = new ManifestTestFiles();
        var rows = ManifestTestFiles.ValidRows;
        var path = files.Write("stray.csv", ManifestTestFiles.Header, rows[0], "A,A\"-2,slides/a2.svs,12.5,1,train,CD8,61", rows[2], rows[3]);
        var ex = Assert.Throws<ManifestValidationException>(() => ManifestReader.Read(path));
        var problem = Assert.Single(ex.Problems);
        Assert.Equal(3, problem.Line);
        Assert.Contains("quote inside a field", problem.Message);
    }

    [Fact]
    public void Properly_quoted_fields_still_read()
    {
        using var files = new ManifestTestFiles();
        var rows = ManifestTestFiles.ValidRows;
        var path = files.Write("quoted.csv", ManifestTestFiles.Header, "\"A\",\"A-1\",slides/a1.svs,12.5,1,train,CD8,61", rows[1], rows[2], rows[3]);
        var cohort = ManifestReader.Read(path);
        Assert.Contains("A-1", cohort.Slides.Select(s => s.SlideId));
    }
}
