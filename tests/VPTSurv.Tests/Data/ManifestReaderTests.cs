using VPTSurv.Data;
using Xunit;

namespace VPTSurv.Tests.Data;

public class ManifestReaderTests
{
    [Fact]
    public void Valid_manifest_reads_into_patients_with_their_slides_outcomes_and_covariates()
    {
        using var files = new ManifestTestFiles();
        var cohort = ManifestReader.Read(files.Write("m.csv", [ManifestTestFiles.Header, .. ManifestTestFiles.ValidRows]));
        Assert.Equal("m", cohort.Name);
        Assert.Equal(["A", "B", "C"], cohort.Patients.Select(p => p.PatientId));
        var a = cohort.Patient("A");
        Assert.Equal(2, a.Slides.Count);
        Assert.Equal(12.5, a.Time);
        Assert.True(a.EventObserved);
        Assert.Equal(Split.Train, a.Split);
        Assert.Equal(61, a.Covariates["age"]);
        Assert.True(double.IsNaN(cohort.Patient("B").Covariates["age"]));
        Assert.Equal(["age"], cohort.CovariateNames);
        Assert.Equal(Path.Combine(files.Dir, "slides", "a1.svs"), cohort.ResolveSource(a.Slides[0]));
        Assert.StartsWith("synthetic:", cohort.ResolveSource(cohort.Patient("C").Slides[0]));
        Assert.Equal(["A-1", "A-2"], cohort.SlidesIn(Split.Train).Select(s => s.SlideId));
    }

    [Fact]
    public void Written_manifest_reads_back_to_the_same_cohort_and_the_same_bytes()
    {
        using var files = new ManifestTestFiles();
        var path = files.Write("m.csv", [ManifestTestFiles.Header, .. ManifestTestFiles.ValidRows]);
        var cohort = ManifestReader.Read(path);
        var copy = Path.Combine(files.Dir, "copy.csv");
        ManifestWriter.Write(cohort, copy);
        var again = ManifestReader.Read(copy);
        Assert.Equal(cohort.Slides, again.Slides);
        Assert.Equal(File.ReadAllText(path), File.ReadAllText(copy));
        Assert.Empty(Directory.GetFiles(files.Dir, "*.tmp*"));
    }

    [Fact]
    public void Writer_never_replaces_an_existing_file_unless_asked()
    {
        using var files = new ManifestTestFiles();
        var path = files.Write("m.csv", [ManifestTestFiles.Header, .. ManifestTestFiles.ValidRows]);
        var cohort = ManifestReader.Read(path);
        var existing = files.Write("mine.csv", "precious");
        Assert.Throws<IOException>(() => ManifestWriter.Write(cohort, existing));
        Assert.Equal("precious\n", File.ReadAllText(existing));
        ManifestWriter.Write(cohort, existing, overwrite: true);
        Assert.Equal(4, ManifestReader.Read(existing).Slides.Count());
    }

    /// <summary>Reads the valid rows after <paramref name="edit"/> (row i of the list is file line i + 2) and expects failure.</summary>
    private static ManifestValidationException Invalid(Func<string[], string[]> edit, string? header = null, bool checkFiles = true)
    {
        using var files = new ManifestTestFiles();
        var rows = edit([.. ManifestTestFiles.ValidRows]);
        var path = files.Write("bad.csv", [header ?? ManifestTestFiles.Header, .. rows]);
        var e = Assert.Throws<ManifestValidationException>(() => ManifestReader.Read(path, checkFiles));
        Assert.Contains("bad.csv", e.Message);
        return e;
    }

    private static string[] Set(string[] rows, int index, string row)
    {
        rows[index] = row;
        return rows;
    }

    private static void AssertProblem(ManifestValidationException e, int line, string? column, string text)
    {
        Assert.Contains(e.Problems, p => p.Line == line && p.Column == column && p.Message.Contains(text));
        Assert.Contains($"line {line}", e.Message);
    }

    [Fact]
    public void Missing_slide_file_names_the_row_and_the_resolved_path()
    {
        var e = Invalid(r => Set(r, 2, "B,B-1,slides/missing.svs,30,0,val,CD8,"));
        AssertProblem(e, 4, "source", "missing.svs' does not exist");
        Assert.Single(e.Problems);
    }

    [Fact]
    public void Missing_files_are_not_checked_when_asked_not_to()
    {
        using var files = new ManifestTestFiles();
        var rows = ManifestTestFiles.ValidRows;
        rows[2] = "B,B-1,slides/missing.svs,30,0,val,CD8,";
        var cohort = ManifestReader.Read(files.Write("m.csv", [ManifestTestFiles.Header, .. rows]), checkFiles: false);
        Assert.Equal(4, cohort.Slides.Count());
    }

    [Fact]
    public void Duplicate_slide_id_names_both_lines()
    {
        var e = Invalid(r => Set(r, 2, "B,A-1,slides/b1.svs,30,0,val,CD8,"));
        AssertProblem(e, 4, "slide_id", "duplicate slide id 'A-1' (first on line 2)");
    }

    [Fact]
    public void Patient_in_two_splits_names_both_lines()
    {
        var e = Invalid(r => Set(r, 1, "A,A-2,slides/a2.svs,12.5,1,test,CD8,61"));
        AssertProblem(e, 3, "split", "patient 'A' is in split 'test' here but in 'train' on line 2");
    }

    [Theory]
    [InlineData("0", "'0' is not a finite number > 0")]
    [InlineData("-3", "'-3' is not a finite number > 0")]
    [InlineData("NaN", "'NaN' is not a finite number > 0")]
    [InlineData("Infinity", "'Infinity' is not a finite number > 0")]
    [InlineData("twelve", "'twelve' is not a finite number > 0")]
    [InlineData("", "'' is not a finite number > 0")]
    public void Bad_time_names_the_row(string time, string text)
    {
        var e = Invalid(r => Set(r, 2, $"B,B-1,slides/b1.svs,{time},0,val,CD8,"));
        AssertProblem(e, 4, "time", text);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("yes")]
    [InlineData("")]
    [InlineData("0.5")]
    public void Bad_event_names_the_row(string ev)
    {
        var e = Invalid(r => Set(r, 3, $"C,C-1,slides/c1.svs,7.25,{ev},test,CD8,70"));
        AssertProblem(e, 5, "event", $"'{ev}' is not 0 (alive at last follow-up) or 1 (death observed)");
    }

    [Theory]
    [InlineData("time")]
    [InlineData("patient_id")]
    [InlineData("stain")]
    public void Missing_required_column_is_named(string column)
    {
        var header = string.Join(",", ManifestTestFiles.Header.Split(',').Select(c => c == column ? "cov_other" : c));
        var e = Invalid(r => r, header);
        AssertProblem(e, 1, column, "required column is missing");
    }

    [Fact]
    public void Unknown_column_is_named_with_what_was_expected()
    {
        var e = Invalid(r => r, ManifestTestFiles.Header.Replace("cov_age", "age"));
        AssertProblem(e, 1, "age", "unknown column");
    }

    [Fact]
    public void Row_with_the_wrong_number_of_fields_names_the_row()
    {
        var e = Invalid(r => Set(r, 1, "A,A-2,slides/a2.svs,12.5,1,train"));
        AssertProblem(e, 3, null, "has 6 fields, the header has 8");
    }

    [Fact]
    public void Bad_split_name_and_bad_covariate_are_named()
    {
        var e = Invalid(r => Set(Set(r, 2, "B,B-1,slides/b1.svs,30,0,validation,CD8,"), 3,
            "C,C-1,slides/c1.svs,7.25,1,test,CD8,old"));
        AssertProblem(e, 4, "split", "'validation' is not train, val, test or empty");
        AssertProblem(e, 5, "cov_age", "'old' is not a finite number");
    }

    [Fact]
    public void Bad_synthetic_spec_is_named_with_its_problem()
    {
        var e = Invalid(r => Set(r, 3, "C,C-1,synthetic:v1;seed=5;stain=CD8;immune=2;infiltration=0.5;grade=0.5;architecture=0.5,7.25,1,test,CD8,70"));
        AssertProblem(e, 5, "source", "immune '2' is not a number in [0, 1]");
    }

    [Fact]
    public void Patient_with_two_different_outcomes_is_named()
    {
        var e = Invalid(r => Set(r, 1, "A,A-2,slides/a2.svs,13,1,train,CD8,61"));
        AssertProblem(e, 3, null, "patient 'A' has time/event 13/1 here but 12.5/1 on line 2");
    }

    [Fact]
    public void Empty_identifiers_are_named()
    {
        var e = Invalid(r => Set(r, 2, ",B-1,slides/b1.svs,30,0,val,CD8,"));
        AssertProblem(e, 4, "patient_id", "is empty");
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_file_order()
    {
        var e = Invalid(r => Set(Set(r, 0, "A,A-1,slides/a1.svs,-1,1,train,CD8,61"), 3, "C,C-1,slides/c1.svs,7.25,7,test,CD8,70"));
        // Line 3 (patient A's second slide) is not compared with the rejected line 2, so only lines 2 and 5 fail.
        Assert.Equal([2, 5], e.Problems.Select(p => p.Line));
    }

    [Fact]
    public void Empty_file_and_header_only_file_are_rejected()
    {
        using var files = new ManifestTestFiles();
        Assert.Throws<ManifestValidationException>(() => ManifestReader.Read(files.Write("empty.csv")));
        var e = Assert.Throws<ManifestValidationException>(() => ManifestReader.Read(files.Write("h.csv", ManifestTestFiles.Header)));
        Assert.Contains("no rows", e.Message);
        Assert.Throws<FileNotFoundException>(() => ManifestReader.Read(Path.Combine(files.Dir, "nope.csv")));
    }
}
