using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Data;

/// <summary>
/// Reads a cohort manifest (CSV, data-manifests/SCHEMA.md) and validates it whole: every problem is collected, each
/// naming its line, and reported together in a <see cref="ManifestValidationException"/>.
/// </summary>
public static class ManifestReader
{
    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <param name="path">The manifest.</param>
    /// <param name="checkFiles">Check that every slide file exists (relative paths are relative to the manifest).</param>
    public static Cohort Read(string path, bool checkFiles = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Manifest '{path}' does not exist.", path);
        using var reader = new StreamReader(path);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Read(reader, path, baseDir, checkFiles);
    }

    /// <summary>The line a record starts on: its last line minus the line breaks inside it.</summary>
    private static int StartLine(IParser parser)
    {
        var raw = parser.RawRecord.TrimEnd('\r', '\n');
        return parser.RawRow - raw.Count(c => c == '\n');
    }

    /// <summary>Reads a manifest from <paramref name="reader"/>; <paramref name="name"/> is used in messages and as
    /// the cohort's name, <paramref name="baseDirectory"/> resolves relative slide paths.</summary>
    public static Cohort Read(TextReader reader, string name, string baseDirectory, bool checkFiles = true)
    {
        var problems = new List<ManifestProblem>();
        var badQuotes = new HashSet<int>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            TrimOptions = TrimOptions.Trim,
            // A quote inside an unquoted field (A"1) would otherwise be kept in the id; the row is reported instead.
            BadDataFound = args =>
            {
                int at = StartLine(args.Context.Parser!);
                if (badQuotes.Add(at))
                    problems.Add(new ManifestProblem(at, null, "a quote inside a field; quotes may only enclose a whole field (\"a,b\"), doubled inside it (\"\")"));
            },
            DetectColumnCountChanges = false,
        };
        using var csv = new CsvReader(reader, config);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null)
            throw new ManifestValidationException(name, [new ManifestProblem(1, null, "the file is empty; expected a header row: " + string.Join(",", ManifestSchema.Required))]);
        var header = csv.HeaderRecord;

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var col in header)
        {
            if (!seen.Add(col))
                problems.Add(new ManifestProblem(1, col, "column appears twice in the header"));
            else if (!ManifestSchema.Required.Contains(col) && !col.StartsWith(ManifestSchema.CovariatePrefix, StringComparison.Ordinal))
                problems.Add(new ManifestProblem(1, col, $"unknown column (expected {string.Join(", ", ManifestSchema.Required)} and optional {ManifestSchema.CovariatePrefix}* columns)"));
            else if (col == ManifestSchema.CovariatePrefix)
                problems.Add(new ManifestProblem(1, col, "a covariate column needs a name after the prefix (e.g. cov_age)"));
        }
        foreach (var col in ManifestSchema.Required)
            if (!header.Contains(col))
                problems.Add(new ManifestProblem(1, col, "required column is missing"));
        if (problems.Count > 0) throw new ManifestValidationException(name, problems);

        var covariateColumns = header.Where(c => c.StartsWith(ManifestSchema.CovariatePrefix, StringComparison.Ordinal)).ToList();
        var covariateNames = covariateColumns.Select(c => c[ManifestSchema.CovariatePrefix.Length..]).ToList();
        var rows = new List<Row>();
        var slideLines = new Dictionary<string, int>(StringComparer.Ordinal);

        int previousEnd = csv.Parser.RawRow;
        while (csv.Read())
        {
            int line = StartLine(csv.Parser), end = csv.Parser.RawRow;
            int spanned = end - line;
            if (spanned > 0) line = Math.Min(line, previousEnd + 1); // at the end of the file the parser counts one line more
            previousEnd = end;
            if (badQuotes.Contains(line)) continue;
            if (spanned > 0)
            {
                // Manifests hold no multi-line values: a record over several lines is a quote left open on its first line.
                problems.Add(new ManifestProblem(line, null, $"a quote opened on this line is not closed (the field runs over {spanned + 1} lines)"));
                continue;
            }
            if (csv.Parser.Count != header.Length)
            {
                problems.Add(new ManifestProblem(line, null, $"has {csv.Parser.Count} fields, the header has {header.Length}"));
                continue;
            }
            string Field(string column) => csv.GetField(column) ?? "";
            var row = new Row(line, Field(ManifestSchema.PatientId), Field(ManifestSchema.SlideId), Field(ManifestSchema.Source), Field(ManifestSchema.Stain));
            int before = problems.Count;

            foreach (var (col, value) in new[] { (ManifestSchema.PatientId, row.PatientId), (ManifestSchema.SlideId, row.SlideId), (ManifestSchema.Source, row.Source), (ManifestSchema.Stain, row.Stain) })
                if (value.Length == 0)
                    problems.Add(new ManifestProblem(line, col, "is empty"));

            if (row.SlideId.Length > 0 && !slideLines.TryAdd(row.SlideId, line))
                problems.Add(new ManifestProblem(line, ManifestSchema.SlideId, $"duplicate slide id '{row.SlideId}' (first on line {slideLines[row.SlideId]})"));

            var timeText = Field(ManifestSchema.Time);
            if (!double.TryParse(timeText, NumberStyles.Float, CultureInfo.InvariantCulture, out var time) || !double.IsFinite(time) || time <= 0)
                problems.Add(new ManifestProblem(line, ManifestSchema.Time, $"'{timeText}' is not a finite number > 0"));
            row.Time = time;

            var eventText = Field(ManifestSchema.Event);
            if (eventText is "0" or "1") row.Event = eventText == "1";
            else problems.Add(new ManifestProblem(line, ManifestSchema.Event, $"'{eventText}' is not 0 (alive at last follow-up) or 1 (death observed)"));

            var splitText = Field(ManifestSchema.Split);
            if (splitText.Length == 0) row.Split = null;
            else if (SplitNames.TryParse(splitText, out var split)) row.Split = split;
            else problems.Add(new ManifestProblem(line, ManifestSchema.Split, $"'{splitText}' is not train, val, test or empty"));

            row.Covariates = new double[covariateColumns.Count];
            for (int c = 0; c < covariateColumns.Count; c++)
            {
                var text = Field(covariateColumns[c]);
                if (text.Length == 0) row.Covariates[c] = double.NaN;
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) row.Covariates[c] = v;
                else problems.Add(new ManifestProblem(line, covariateColumns[c], $"'{text}' is not a finite number (or empty for missing)"));
            }

            if (row.Source.Length > 0)
            {
                if (SyntheticSlideSpec.IsSpec(row.Source))
                {
                    try { SyntheticSlideSpec.Parse(row.Source); }
                    catch (FormatException e) { problems.Add(new ManifestProblem(line, ManifestSchema.Source, e.Message)); }
                }
                else if (checkFiles)
                {
                    var full = Path.IsPathRooted(row.Source) ? row.Source : Path.GetFullPath(Path.Combine(baseDirectory, row.Source));
                    if (!File.Exists(full) && !Directory.Exists(full))
                        problems.Add(new ManifestProblem(line, ManifestSchema.Source, $"slide file '{full}' does not exist"));
                }
            }
            if (problems.Count == before) rows.Add(row);
        }

        var patients = new List<Patient>();
        foreach (var group in rows.GroupBy(r => r.PatientId, StringComparer.Ordinal))
        {
            var first = group.First();
            foreach (var r in group.Skip(1))
            {
                if (r.Split != first.Split)
                    problems.Add(new ManifestProblem(r.Line, ManifestSchema.Split,
                        $"patient '{r.PatientId}' is in split '{r.Split?.ToManifest() ?? ""}' here but in '{first.Split?.ToManifest() ?? ""}' on line {first.Line}; a patient belongs to one split"));
                if (r.Time != first.Time || r.Event != first.Event)
                    problems.Add(new ManifestProblem(r.Line, null,
                        $"patient '{r.PatientId}' has time/event {r.Time.ToString(CultureInfo.InvariantCulture)}/{(r.Event ? 1 : 0)} here but {first.Time.ToString(CultureInfo.InvariantCulture)}/{(first.Event ? 1 : 0)} on line {first.Line}"));
                for (int c = 0; c < covariateColumns.Count; c++)
                    if (!r.Covariates[c].Equals(first.Covariates[c]))
                        problems.Add(new ManifestProblem(r.Line, covariateColumns[c], $"patient '{r.PatientId}' has a different value here than on line {first.Line}"));
            }
            var covariates = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int c = 0; c < covariateNames.Count; c++) covariates[covariateNames[c]] = first.Covariates[c];
            var slides = group.Select(r => new SlideRecord(r.SlideId, r.PatientId, r.Source, r.Stain, first.Time, first.Event, first.Split)).ToList();
            patients.Add(new Patient(first.PatientId, first.Time, first.Event, first.Split, covariates, slides));
        }
        if (problems.Count > 0)
            throw new ManifestValidationException(name, [.. problems.OrderBy(p => p.Line)]);
        if (patients.Count == 0)
            throw new ManifestValidationException(name, [new ManifestProblem(1, null, "the manifest has a header but no rows")]);
        return new Cohort(Path.GetFileNameWithoutExtension(name), patients, covariateNames, baseDirectory);
    }

    private sealed class Row(int line, string patientId, string slideId, string source, string stain)
    {
        public int Line { get; } = line;
        public string PatientId { get; } = patientId;
        public string SlideId { get; } = slideId;
        public string Source { get; } = source;
        public string Stain { get; } = stain;
        public double Time { get; set; }
        public bool Event { get; set; }
        public Split? Split { get; set; }
        public double[] Covariates { get; set; } = [];
    }
}
