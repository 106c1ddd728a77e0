using System.Text.Json;
using MathNet.Numerics.Statistics;
using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// How the tabular prompt's covariates are standardised: each covariate's name, and the mean and standard deviation of
/// its finite values over the training split's patients (1 when it does not vary). Fitted once on the training split,
/// saved in the model file, and applied by name to any cohort the model later predicts — never refitted there.
/// A missing value becomes the training mean (0 after standardisation).
/// </summary>
/// <param name="Names">Covariate names, in the order the tabular prompt reads them.</param>
/// <param name="Mean">Training-split mean per covariate.</param>
/// <param name="Scale">Training-split standard deviation per covariate (1 for a constant one).</param>
public sealed record CovariateStandardization(IReadOnlyList<string> Names, IReadOnlyList<double> Mean, IReadOnlyList<double> Scale)
{
    /// <summary>Fits on <paramref name="cohort"/>'s training patients; the cohort must have <paramref name="expected"/> covariates.</summary>
    public static CovariateStandardization Fit(Cohort cohort, int expected)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var names = cohort.CovariateNames;
        if (names.Count != expected)
            throw new ArgumentException($"The preset's tabular prompt reads {expected} covariates; cohort '{cohort.Name}' has {names.Count} ({string.Join(", ", names)}).");
        var train = cohort.PatientsIn(Split.Train).ToList();
        var mean = new double[names.Count];
        var scale = new double[names.Count];
        for (int j = 0; j < names.Count; j++)
        {
            var v = train.Select(p => p.Covariates[names[j]]).Where(double.IsFinite).ToArray();
            var (m, sd) = v.Length switch { 0 => (0.0, 0.0), 1 => (v[0], 0.0), _ => v.MeanStandardDeviation() }; // sample SD
            mean[j] = m;
            scale[j] = sd > 0 ? sd : 1;
        }
        return new CovariateStandardization([.. names], mean, scale);
    }

    /// <summary>
    /// The standardised covariates of every patient of <paramref name="cohort"/>, read by name; a covariate the model
    /// reads and the cohort lacks is an error naming it.
    /// </summary>
    internal CovariateTable Apply(Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var missing = Names.Where(n => !cohort.CovariateNames.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"The model's tabular prompt reads covariates {string.Join(", ", Names)}; cohort '{cohort.Name}' lacks {string.Join(", ", missing)} (it has {string.Join(", ", cohort.CovariateNames)}).");
        return new CovariateTable(cohort.Patients.ToDictionary(p => p.PatientId, p => Names.Select((n, j) =>
            p.Covariates.TryGetValue(n, out var x) && double.IsFinite(x) ? (float)((x - Mean[j]) / Scale[j]) : 0f).ToArray(), StringComparer.Ordinal));
    }

    /// <summary>The JSON a model file stores (snake case: names, mean, scale).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads <see cref="ToJson"/>; <paramref name="source"/> names where it came from in errors.</summary>
    public static CovariateStandardization FromJson(string json, string source)
    {
        CovariateStandardization? s;
        try { s = JsonSerializer.Deserialize<CovariateStandardization>(json, JsonOptions); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a covariate standardisation ({e.Message}).", e); }
        if (s?.Names is null || s.Mean is null || s.Scale is null || s.Mean.Count != s.Names.Count || s.Scale.Count != s.Names.Count)
            throw new InvalidDataException($"{source}: a covariate standardisation needs names, mean and scale of one length.");
        if (s.Mean.Any(v => !double.IsFinite(v)) || s.Scale.Any(v => !(v > 0) || !double.IsFinite(v)))
            throw new InvalidDataException($"{source}: covariate means must be finite and scales positive.");
        return s;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>Standardised covariates per patient (from <see cref="CovariateStandardization.Apply"/>); empty without a tabular prompt.</summary>
internal sealed class CovariateTable(Dictionary<string, float[]> byPatient)
{
    public static CovariateTable None { get; } = new([]);

    /// <summary>(C) covariates of the slide's patient, or null without a tabular prompt.</summary>
    public Tensor? Of(SlideRecord slide) =>
        byPatient.Count == 0 ? null
        : byPatient.TryGetValue(slide.PatientId, out var v) ? tensor(v)
        : throw new KeyNotFoundException($"No covariates for patient '{slide.PatientId}'.");
}
