using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Model;

/// <summary>
/// Per-dimension standardisation of the pooled tile tokens at the decoder's input: x̂ = (x − mean) / sd, with the
/// mean and standard deviation of every tile token of the training split's slides, taken from the frozen encoder
/// (prompt-free; in end to end the prompts start at zero, so these are the tokens the decoder first sees). Why: the
/// frozen features are far from the scale a freshly initialised decoder expects (on the Cpu preset a pooled token has
/// norm ≈ 45 and one shared direction holds ≈ 91% of the variance but none of the signal), so without it the
/// decoder's LayerNorms and attention see almost only that shared direction and training C stays at chance.
/// Fitted on the training split only, and saved with the model (state keys <c>standardizer.mean</c>,
/// <c>standardizer.scale</c>), the training checkpoint and the two-stage model file.
/// </summary>
/// <param name="Mean">(d) per-dimension mean.</param>
/// <param name="Scale">(d) per-dimension standard deviation (floored, so a constant dimension maps to 0, not NaN).</param>
public sealed record FeatureStandardization(float[] Mean, float[] Scale)
{
    /// <summary>Smallest standard deviation used (a constant dimension would divide by zero).</summary>
    public const double MinScale = 1e-6;

    /// <summary>The identity (mean 0, sd 1) for <paramref name="dim"/> dimensions: what an unfitted model applies.</summary>
    public static FeatureStandardization Identity(int dim) => new(new float[dim], Enumerable.Repeat(1f, dim).ToArray());

    /// <summary>Width d.</summary>
    [JsonIgnore]
    public int Dim => Mean.Length;

    /// <summary>
    /// Fits the mean and (population) standard deviation of every row of every (N, d) matrix in
    /// <paramref name="features"/> — the tile tokens of the training slides. Accumulated in float64.
    /// </summary>
    public static FeatureStandardization Fit(IEnumerable<Tensor> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        double[]? sum = null, sq = null;
        long rows = 0;
        foreach (var f in features)
        {
            if (f.dim() != 2) throw new ArgumentException($"FeatureStandardization.Fit expects (N, d) feature matrices, got ({string.Join(", ", f.shape)}).", nameof(features));
            using var scope = NewDisposeScope();
            var x = f.detach().to(ScalarType.Float64, CPU); // (N, d)
            var s = x.sum([0]).data<double>().ToArray(); // (d)
            var q = x.square().sum([0]).data<double>().ToArray(); // (d)
            sum ??= new double[s.Length];
            sq ??= new double[s.Length];
            if (s.Length != sum.Length) throw new ArgumentException($"FeatureStandardization.Fit: feature widths differ ({sum.Length} and {s.Length}).", nameof(features));
            for (int j = 0; j < s.Length; j++) { sum[j] += s[j]; sq[j] += q[j]; }
            rows += f.shape[0];
        }
        if (sum is null || sq is null || rows == 0) throw new ArgumentException("FeatureStandardization.Fit: no feature rows (the training split has no tile).", nameof(features));
        var mean = new float[sum.Length];
        var scale = new float[sum.Length];
        for (int j = 0; j < sum.Length; j++)
        {
            double m = sum[j] / rows;
            double v = Math.Max(0, sq[j] / rows - m * m);
            mean[j] = (float)m;
            scale[j] = (float)Math.Max(MinScale, Math.Sqrt(v));
        }
        return new FeatureStandardization(mean, scale);
    }

    /// <summary>(N, d) -> (N, d) standardised.</summary>
    public Tensor Apply(Tensor features)
    {
        using var scope = NewDisposeScope();
        using var m = tensor(Mean).to(features.device);
        using var s = tensor(Scale).to(features.device);
        return ((features - m) / s).MoveToOuterDisposeScope();
    }

    /// <summary>JSON: {"mean": [...], "scale": [...]}.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads <see cref="ToJson"/>; <paramref name="source"/> names the file in errors.</summary>
    public static FeatureStandardization FromJson(string json, string source)
    {
        FeatureStandardization? s;
        try { s = JsonSerializer.Deserialize<FeatureStandardization>(json, JsonOptions); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a feature standardisation ({e.Message})."); }
        if (s?.Mean is null || s.Scale is null || s.Mean.Length != s.Scale.Length || s.Mean.Length == 0)
            throw new InvalidDataException($"{source}: a feature standardisation needs \"mean\" and \"scale\" arrays of the same, positive length.");
        if (s.Scale.Any(v => !(v > 0)) || s.Mean.Any(v => !float.IsFinite(v)))
            throw new InvalidDataException($"{source}: every \"scale\" must be positive and every \"mean\" finite.");
        return s;
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void Save(string path, bool overwrite = false) => AtomicFile.Write(path, tmp => File.WriteAllText(tmp, ToJson()), overwrite);

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    public static FeatureStandardization Load(string path) =>
        File.Exists(path) ? FromJson(File.ReadAllText(path), path) : throw new FileNotFoundException($"feature standardisation '{path}' not found", path);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
