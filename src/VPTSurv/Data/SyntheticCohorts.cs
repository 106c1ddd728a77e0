using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using VPTSurv.Runtime;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Data;

/// <summary>What a synthetic patient really is: the factors and log-hazard a model should recover.</summary>
/// <param name="PatientId">The patient.</param>
/// <param name="Factors">Patient-level latent factors (each slide varies around them).</param>
/// <param name="Age">Age in years (also the manifest's cov_age).</param>
/// <param name="LogHazard">The latent log-hazard the factors and age imply under <see cref="SurvivalDesign.Signal"/>
/// (for the null cohort the times do not depend on it).</param>
public sealed record SyntheticPatientTruth(string PatientId, LatentFactors Factors, double Age, double LogHazard);

/// <summary>A generated cohort and its hidden truth.</summary>
/// <param name="Config">The settings it was generated from.</param>
/// <param name="Cohort">Patients, slides (synthetic specs), outcomes, splits: what the manifest holds.</param>
/// <param name="Truth">Per patient, in the cohort's order.</param>
public sealed record SyntheticCohort(SyntheticCohortConfig Config, Cohort Cohort, IReadOnlyList<SyntheticPatientTruth> Truth);

/// <summary>
/// Generates the synthetic cohorts from their seeds: per patient latent factors and age, Weibull survival with
/// censoring, a patient-grouped event-stratified split with the paper's slide counts per split, and slides whose specs
/// carry the patient's factors with slide-level variation. Everything is regenerated bit-identically from the seed.
/// </summary>
public static class SyntheticCohorts
{
    private const ulong StreamPatients = 1, StreamOutcomes = 2, StreamSplits = 3, StreamSlides = 4, StreamNullOutcomes = 5;

    /// <summary>Generates the cohort <paramref name="config"/> describes.</summary>
    public static SyntheticCohort Generate(SyntheticCohortConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int n = config.Patients;
        if (n <= 0 || config.TrainSlides < 0 || config.ValSlides < 0 || config.TestSlides < 0)
            throw new ArgumentException($"Cohort '{config.Name}': patients must be positive and slide counts non-negative.", nameof(config));
        int[] splitSlides = [config.TrainSlides, config.ValSlides, config.TestSlides];
        // Patients per split in proportion to the slides, so each split's slides-per-patient ratio is the same.
        var splitPatients = SplitCounts.LargestRemainder(n, [.. splitSlides.Select(s => (double)s)]);
        for (int s = 0; s < 3; s++)
            if (splitSlides[s] < splitPatients[s] || splitSlides[s] > splitPatients[s] * config.MaxSlidesPerPatient)
                throw new ArgumentException($"Cohort '{config.Name}': {splitSlides[s]} slides cannot be spread over {splitPatients[s]} patients with 1..{config.MaxSlidesPerPatient} slides each.", nameof(config));

        string prefix = config.Stain.ToString();
        var ids = Enumerable.Range(1, n).Select(i => $"{prefix}-P{i:D4}").ToArray();

        var rngP = new SeededRandom(PointHash.Key(config.Seed, StreamPatients));
        var factors = new LatentFactors[n];
        var ages = new double[n];
        for (int i = 0; i < n; i++)
        {
            factors[i] = new LatentFactors(Round3(rngP.NextDouble()), Round3(rngP.NextDouble()), Round3(rngP.NextDouble()), Round3(rngP.NextDouble()));
            ages[i] = Math.Round(Math.Clamp(66 + 9 * rngP.NextGaussian(), 35, 90));
        }
        var signal = SurvivalDesign.Signal;
        var logHazard = Enumerable.Range(0, n).Select(i => signal.LatentLogHazard(factors[i], ages[i])).ToArray();

        var rngO = new SeededRandom(PointHash.Key(config.Seed, StreamOutcomes));
        var outcomes = logHazard.Select(lp => signal.Draw(lp, rngO)).ToArray();
        var splits = SplitMaker.Assign(Enumerable.Range(0, n).Select(i => (ids[i], outcomes[i].Event)),
            new SplitCounts(splitPatients[0], splitPatients[1], splitPatients[2]), PointHash.Key(config.Seed, StreamSplits));
        if (config.Design != signal)
        {
            var rngN = new SeededRandom(PointHash.Key(config.Seed, StreamNullOutcomes));
            outcomes = logHazard.Select(lp => config.Design.Draw(lp, rngN)).ToArray();
        }

        // Slides: one per patient, then each split's extra slides to random patients of the split (at most Max each).
        var rngS = new SeededRandom(PointHash.Key(config.Seed, StreamSlides));
        var slideCount = Enumerable.Repeat(1, n).ToArray();
        for (int s = 0; s < 3; s++)
        {
            var members = Enumerable.Range(0, n).Where(i => splits[ids[i]] == (Split)s).ToList();
            for (int extra = splitSlides[s] - members.Count; extra > 0; extra--)
            {
                var open = members.Where(i => slideCount[i] < config.MaxSlidesPerPatient).ToList();
                slideCount[open[rngS.NextInt(open.Count)]]++;
            }
        }

        var patients = new List<Patient>(n);
        var truth = new List<SyntheticPatientTruth>(n);
        for (int i = 0; i < n; i++)
        {
            var (time, ev) = outcomes[i];
            var split = splits[ids[i]];
            var slides = new List<SlideRecord>();
            for (int k = 0; k < slideCount[i]; k++)
            {
                var f = factors[i];
                var slideFactors = new LatentFactors(Vary(f.Immune, rngS, config), Vary(f.Infiltration, rngS, config),
                    Vary(f.Grade, rngS, config), Vary(f.Architecture, rngS, config));
                ulong slideSeed = PointHash.Of(PointHash.Key(config.Seed, StreamSlides), i, k) >> 24; // 40 bits: short specs
                var spec = new SyntheticSlideSpec(slideSeed, config.Stain, slideFactors);
                slides.Add(new SlideRecord($"{ids[i]}-S{k + 1}", ids[i], spec.ToString(), prefix, time, ev, split));
            }
            patients.Add(new Patient(ids[i], time, ev, split, new Dictionary<string, double> { ["age"] = ages[i] }, slides));
            truth.Add(new SyntheticPatientTruth(ids[i], factors[i], ages[i], logHazard[i]));
        }
        return new SyntheticCohort(config, new Cohort(config.Name, patients, ["age"]), truth);
    }

    private static double Round3(double v) => Math.Round(v, 3, MidpointRounding.ToEven);

    private static double Vary(double v, SeededRandom rng, SyntheticCohortConfig config) =>
        Round3(Math.Clamp(v + config.SlideVariation * rng.NextGaussian(), 0, 1));

    /// <summary>
    /// Writes <c>{name}.csv</c> (the manifest) and <c>{name}.truth.csv</c> (factors, age, latent log-hazard per
    /// patient) for each cohort into <paramref name="directory"/>; returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> WriteManifests(string directory, IEnumerable<SyntheticCohortConfig>? configs = null, bool overwrite = false)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var config in configs ?? SyntheticCohortConfig.All)
        {
            var cohort = Generate(config);
            var manifest = Path.Combine(directory, config.Name + ".csv");
            ManifestWriter.Write(cohort.Cohort, manifest, overwrite);
            var truth = Path.Combine(directory, config.Name + ".truth.csv");
            WriteTruth(cohort.Truth, truth, overwrite);
            written.Add(manifest);
            written.Add(truth);
        }
        return written;
    }

    /// <summary>Columns of the truth file.</summary>
    public static IReadOnlyList<string> TruthColumns { get; } =
        ["patient_id", "immune", "infiltration", "grade", "architecture", "age", "log_hazard"];

    /// <summary>Writes the truth rows (atomic: temporary file, then rename).</summary>
    public static void WriteTruth(IReadOnlyList<SyntheticPatientTruth> truth, string path, bool overwrite = false) =>
        AtomicFile.Write(path, tmp =>
        {
            using var writer = new StreamWriter(tmp, false, new UTF8Encoding(false));
            using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" });
            foreach (var c in TruthColumns) csv.WriteField(c);
            csv.NextRecord();
            foreach (var t in truth)
            {
                csv.WriteField(t.PatientId);
                foreach (var v in new[] { t.Factors.Immune, t.Factors.Infiltration, t.Factors.Grade, t.Factors.Architecture, t.Age })
                    csv.WriteField(v.ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(t.LogHazard.ToString("F6", CultureInfo.InvariantCulture));
                csv.NextRecord();
            }
        }, overwrite);

    /// <summary>Reads a truth file written by <see cref="WriteTruth"/>.</summary>
    public static IReadOnlyList<SyntheticPatientTruth> ReadTruth(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        csv.Read();
        csv.ReadHeader();
        var missing = TruthColumns.Where(c => !csv.HeaderRecord!.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new FormatException($"Truth file '{path}': missing column(s) {string.Join(", ", missing)}.");
        var rows = new List<SyntheticPatientTruth>();
        while (csv.Read())
        {
            double D(string c) => double.TryParse(csv.GetField(c), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v : throw new FormatException($"Truth file '{path}', line {csv.Parser.RawRow}: column '{c}' is not a number.");
            rows.Add(new SyntheticPatientTruth(csv.GetField("patient_id") ?? "",
                new LatentFactors(D("immune"), D("infiltration"), D("grade"), D("architecture")), D("age"), D("log_hazard")));
        }
        return rows;
    }
}
