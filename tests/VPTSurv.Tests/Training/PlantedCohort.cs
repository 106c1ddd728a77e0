using VPTSurv.Data;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// A cohort whose survival depends on one thing the tiles show: each patient's signal s in [0, 1] sets the fraction
/// of dark-brown (DAB-like) dots on a pale, noisy background, and the hazard is exp(3 s) (exponential times, about a
/// quarter censored). Tiles are drawn in memory (no slide IO), so the trainer's honesty can be tested in seconds.
/// With <c>null: true</c> the times are drawn independently of s.
/// </summary>
internal static class PlantedCohort
{
    public static Cohort Create(int train, int val, int test, int seed = 7, bool nullOutcome = false)
    {
        var rng = new Random(seed);
        var patients = new List<Patient>();
        int i = 0;
        foreach (var (split, n) in new[] { (Split.Train, train), (Split.Val, val), (Split.Test, test) })
            for (int k = 0; k < n; k++, i++)
            {
                double s = rng.NextDouble();
                double hazard = nullOutcome ? 1 : Math.Exp(3 * s - 1.5);
                double death = -Math.Log(1 - rng.NextDouble()) / hazard * 20;
                double censor = -Math.Log(1 - rng.NextDouble()) * 60;
                double time = Math.Max(0.1, Math.Round(Math.Min(death, censor), 2));
                bool ev = death <= censor;
                string id = $"P{i:D3}";
                var slide = new SlideRecord($"{id}-S1", id, $"planted:{s:R}", "CD8", time, ev, split);
                patients.Add(new Patient(id, time, ev, split, new Dictionary<string, double>(), [slide]));
            }
        return new Cohort("planted", patients);
    }

    public static double SignalOf(SlideRecord slide) => double.Parse(slide.Source["planted:".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Trainer option that serves the planted tiles.</summary>
    public static Func<Cohort, IReadOnlyList<SlideRecord>, Preset, TileSource> Source(int candidates = 24) =>
        (_, slides, preset) => new PlantedTileSource(slides, preset.Training.TileSize, candidates);
}

/// <summary>
/// Deterministic in-memory tiles of a planted cohort (see <see cref="PlantedCohort"/>); context = a mirrored copy;
/// positions = the candidates laid row by row on a square grid.
/// </summary>
internal sealed class PlantedTileSource(IReadOnlyList<SlideRecord> slides, int tileSize, int candidates) : TileSource
{
    private readonly Dictionary<string, SlideRecord> _slides = slides.ToDictionary(s => s.SlideId);

    public override int CountOf(string slideId) => _slides.ContainsKey(slideId) ? candidates : throw new KeyNotFoundException(slideId);

    public override string Identity(string slideId) => $"{_slides[slideId].Source}|{tileSize}|{candidates}";

    public override IEnumerable<TileBatch> Load(IEnumerable<TileRequest> requests)
    {
        foreach (var r in requests)
        {
            double s = PlantedCohort.SignalOf(_slides[r.SlideId]);
            int t = tileSize, plane = 3 * t * t;
            var tiles = new byte[r.Indices.Length * plane];
            for (int k = 0; k < r.Indices.Length; k++)
                Draw(tiles.AsSpan(k * plane, plane), t, s, Fnv(r.SlideId) * 31 + r.Indices[k]);
            var tt = tensor(tiles, [r.Indices.Length, 3, t, t], ScalarType.Byte); // (N, 3, T, T)
            // Candidate i sits at column i % w, row i / w of a w-wide square of tiles (pixels at the target MPP).
            int w = (int)Math.Ceiling(Math.Sqrt(candidates));
            var xy = r.Indices.SelectMany(i => new[] { (float)(i % w * t), (float)(i / w * t) }).ToArray();
            yield return new TileBatch(r.SlideId, tt, tt.flip(2), // context: the mirrored tile (same content, another view)
                tensor(xy, [r.Indices.Length, 2], ScalarType.Float32)); // (N, 2)
        }
    }

    private static int Fnv(string id)
    {
        uint h = 2166136261;
        foreach (char c in id) { h ^= c; h *= 16777619; }
        return (int)h;
    }

    // Pale pink background with noise; a fraction 0.05 + 0.4 s of the pixels dark brown.
    private static void Draw(Span<byte> chw, int t, double s, int seed)
    {
        var rng = new Random(seed);
        int hw = t * t;
        for (int y = 0; y < t; y++)
            for (int x = 0; x < t; x++)
            {
                bool dot = rng.NextDouble() < 0.05 + 0.4 * s;
                int noise = rng.Next(-12, 13);
                int i = y * t + x;
                chw[i] = (byte)Math.Clamp((dot ? 110 : 235) + noise, 0, 255);
                chw[hw + i] = (byte)Math.Clamp((dot ? 70 : 200) + noise, 0, 255);
                chw[2 * hw + i] = (byte)Math.Clamp((dot ? 40 : 215) + noise, 0, 255);
            }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
