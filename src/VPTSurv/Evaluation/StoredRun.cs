using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Training;

namespace VPTSurv.Evaluation;

/// <summary>
/// A finished training run as a table needs it, kept on disk by <see cref="RunStore"/>: the per-slide predictions of
/// every split (the discrete-hazard logits, from which risks and survival curves follow), the time-bin edges, the
/// training curve with its did-not-learn verdict, and where and when the run was made. <see cref="Evaluate"/> gives the
/// same report as <c>TrainingResult.Evaluate</c> gave when the run finished, since the report is a function of exactly
/// these predictions and edges.
/// </summary>
/// <param name="Key">The run's key (<see cref="RunStore.KeyOf"/>).</param>
/// <param name="Cohort">Cohort name.</param>
/// <param name="Row">The caller's name for the model (a table row).</param>
/// <param name="Seed">The preset's training seed.</param>
/// <param name="PresetJson">The preset the run was trained with (<see cref="Training.PresetJson.Of"/>).</param>
/// <param name="BinEdges">Time-bin edges fitted on the training split.</param>
/// <param name="Curve">Untrained and per-epoch C, the selected epoch and the verdict.</param>
/// <param name="Predictions">Every slide of the training, validation and test splits.</param>
/// <param name="Seconds">Wall time of training and prediction.</param>
/// <param name="Library">The VPTSurv version that trained it (informational version, with the commit).</param>
/// <param name="Finished">When it finished (UTC).</param>
public sealed record StoredRun(string Key, string Cohort, string Row, int Seed, string PresetJson, double[] BinEdges, TrainingCurve Curve,
    IReadOnlyList<SlidePrediction> Predictions, double Seconds, string Library, DateTimeOffset Finished)
{
    /// <summary>Format tag written into the file.</summary>
    public const string Format = "vptsurv-run/1";

    /// <summary>True when the run did not learn (its C-index is then not a result).</summary>
    public bool DidNotLearn => Curve.DidNotLearn;

    /// <summary>The selected epoch.</summary>
    public int BestEpoch => Curve.BestEpoch;

    /// <summary>The predictions of <paramref name="split"/>, in the order they were stored.</summary>
    public IReadOnlyList<SlidePrediction> Of(Split split) => [.. Predictions.Where(p => p.Split == split)];

    /// <summary>The evaluation report of <paramref name="split"/> (group cut and censoring weights from the training split), with the curve.</summary>
    public EvaluationReport Evaluate(Split split, EvaluationOptions? options = null) =>
        EvaluationReport.Compute(Of(split), Of(Split.Train), BinEdges, options) with { Training = Curve };

    /// <summary>Collects what a table needs from <paramref name="result"/> (predicts every split once).</summary>
    public static StoredRun From(string key, string row, TrainingResult result, double seconds)
    {
        ArgumentNullException.ThrowIfNull(result);
        var predictions = new List<SlidePrediction>();
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
            if (result.Cohort.SlidesIn(split).Any()) predictions.AddRange(result.Predict(split));
        return new StoredRun(key, result.Cohort.Name, row, result.Preset.Training.Seed, Training.PresetJson.Of(result.Preset), [.. result.Bins.Edges],
            result.Curve, predictions, seconds, LibraryVersion, DateTimeOffset.UtcNow);
    }

    /// <summary>This library's informational version (with the commit it was built from).</summary>
    public static string LibraryVersion { get; } =
        typeof(StoredRun).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>As JSON; doubles are written in their shortest round-trip form, so <see cref="FromJson"/> restores them exactly.</summary>
    public JsonObject ToJson() => new()
    {
        ["format"] = Format,
        ["key"] = Key,
        ["cohort"] = Cohort,
        ["row"] = Row,
        ["seed"] = Seed,
        ["library"] = Library,
        ["finished"] = Finished.ToString("O", CultureInfo.InvariantCulture),
        ["seconds"] = Seconds,
        ["preset"] = PresetJson,
        ["bin_edges"] = new JsonArray([.. BinEdges.Select(e => (JsonNode)e)]),
        ["training"] = Curve.ToJson(),
        ["predictions"] = new JsonArray([.. Predictions.Select(p => (JsonNode)new JsonObject
        {
            ["slide_id"] = p.SlideId, ["patient_id"] = p.PatientId, ["split"] = p.Split.ToManifest(),
            ["time"] = p.Time, ["event"] = p.EventObserved, ["logits"] = new JsonArray([.. p.Logits.Select(l => (JsonNode)l)]),
        })]),
    };

    /// <summary>Reads <see cref="ToJson"/>'s output; <paramref name="source"/> (a file name) is named in every error.</summary>
    public static StoredRun FromJson(JsonObject json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode Key(JsonObject o, string key, string where) =>
            o.TryGetPropertyValue(key, out var v) && v is not null ? v : throw new FormatException($"Stored run '{source}': {where} has no key '{key}'.");
        try
        {
            if ((string?)Key(json, "format", "the file") != Format)
                throw new FormatException($"Stored run '{source}': format '{json["format"]}' is not '{Format}'.");
            var predictions = Key(json, "predictions", "the file").AsArray().Select((n, i) =>
            {
                var o = n!.AsObject();
                string where = $"prediction {i}";
                var splitText = (string)Key(o, "split", where)!;
                if (!SplitNames.TryParse(splitText, out var split)) throw new FormatException($"Stored run '{source}': {where} has split '{splitText}'.");
                return new SlidePrediction((string)Key(o, "slide_id", where)!, (string)Key(o, "patient_id", where)!, split, (double)Key(o, "time", where),
                    (bool)Key(o, "event", where), [.. Key(o, "logits", where).AsArray().Select(l => (double)l!)]);
            }).ToList();
            return new StoredRun((string)Key(json, "key", "the file")!, (string)Key(json, "cohort", "the file")!, (string)Key(json, "row", "the file")!,
                (int)Key(json, "seed", "the file"), (string)Key(json, "preset", "the file")!,
                [.. Key(json, "bin_edges", "the file").AsArray().Select(e => (double)e!)],
                TrainingCurve.FromJson(Key(json, "training", "the file").AsObject()), predictions, (double)Key(json, "seconds", "the file"),
                (string)Key(json, "library", "the file")!, DateTimeOffset.Parse((string)Key(json, "finished", "the file")!, CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException && !e.Message.StartsWith("Stored run", StringComparison.Ordinal))
        {
            throw new FormatException($"Stored run '{source}': {e.Message}", e);
        }
    }
}
