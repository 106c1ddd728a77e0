using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using VPTSurv.Runtime;

namespace VPTSurv.Data;

/// <summary>Writes a cohort as a manifest (data-manifests/SCHEMA.md): one row per slide, numbers in invariant
/// round-trip form, LF line endings, UTF-8 without BOM, so the bytes depend only on the cohort.</summary>
public static class ManifestWriter
{
    /// <summary>Writes <paramref name="cohort"/> to <paramref name="path"/> through a temporary file and a rename.
    /// Refuses to replace an existing file unless <paramref name="overwrite"/> is true.</summary>
    public static void Write(Cohort cohort, string path, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        AtomicFile.Write(path, tmp =>
        {
            using var writer = new StreamWriter(tmp, false, new UTF8Encoding(false));
            Write(cohort, writer);
        }, overwrite);
    }

    /// <summary>Writes <paramref name="cohort"/> as CSV text.</summary>
    public static void Write(Cohort cohort, TextWriter writer)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using var csv = new CsvWriter(writer, config, leaveOpen: true);
        foreach (var col in ManifestSchema.Required) csv.WriteField(col);
        foreach (var name in cohort.CovariateNames) csv.WriteField(ManifestSchema.CovariatePrefix + name);
        csv.NextRecord();
        foreach (var p in cohort.Patients)
            foreach (var s in p.Slides)
            {
                csv.WriteField(p.PatientId);
                csv.WriteField(s.SlideId);
                csv.WriteField(s.Source);
                csv.WriteField(p.Time.ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(p.EventObserved ? "1" : "0");
                csv.WriteField(p.Split?.ToManifest() ?? "");
                csv.WriteField(s.Stain);
                foreach (var name in cohort.CovariateNames)
                {
                    double v = p.Covariates.TryGetValue(name, out var x) ? x : double.NaN;
                    csv.WriteField(double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture));
                }
                csv.NextRecord();
            }
        csv.Flush();
    }
}
