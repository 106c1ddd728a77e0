using System.Text.Json;
using System.Text.Json.Nodes;
using MathNet.Numerics.Statistics;
using VPTSurv.Runtime;

namespace VPTSurv.Survival;

/// <summary>
/// Discrete time bins for the discrete-time survival head, fitted as in MCAT: the interior edges are the
/// 1/K, 2/K, … quantiles (linear interpolation, R type 7 / pandas) of the UNCENSORED training times; the outer edges
/// are the smallest and largest training time. Bins are left-closed, [e_k, e_{k+1}); a time below the first
/// interior edge goes to bin 0 and a time at or above the last interior edge to bin K-1, so validation and test
/// times outside the training range still get a bin. Fit on the training split only and save with the model.
/// </summary>
public sealed record TimeBins
{
    private const string Format = "vptsurv.timebins";
    private const int FormatVersion = 1;

    /// <summary>K+1 strictly increasing edges: training minimum, K-1 interior quantile edges, training maximum.</summary>
    public double[] Edges { get; }

    /// <summary>Number of bins K.</summary>
    public int Count => Edges.Length - 1;

    /// <summary>Bins from explicit edges (K+1 finite, strictly increasing values).</summary>
    public TimeBins(IReadOnlyList<double> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count < 2)
            throw new ArgumentException($"time bins need at least 2 edges (one bin); got {edges.Count}.", nameof(edges));
        SurvivalInput.CheckFinite(edges, nameof(edges));
        for (int i = 1; i < edges.Count; i++)
            if (!(edges[i] > edges[i - 1]))
                throw new ArgumentException($"edges[{i}] = {edges[i]} is not greater than edges[{i - 1}] = {edges[i - 1]}; edges must be strictly increasing.", nameof(edges));
        Edges = SurvivalInput.ToArray(edges);
    }

    /// <summary>Fits K = <paramref name="bins"/> bins on the training targets (quantiles of their uncensored times).</summary>
    /// <exception cref="ArgumentException">No uncensored time, or too few distinct uncensored times for K bins.</exception>
    public static TimeBins Fit(SurvivalTargets train, int bins = 4)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var uncensored = train.Time.Where((_, i) => train.EventObserved[i]).ToArray();
        if (uncensored.Length == 0)
            throw new ArgumentException("cannot fit time bins: the training targets have no observed event (all censored).", nameof(train));
        var edges = new double[bins + 1];
        edges[0] = train.Time.Min();
        edges[bins] = train.Time.Max();
        for (int k = 1; k < bins; k++)
            edges[k] = uncensored.QuantileCustom((double)k / bins, QuantileDefinition.R7);
        for (int k = 1; k <= bins; k++)
            if (!(edges[k] > edges[k - 1]))
                throw new ArgumentException(
                    $"cannot fit {bins} time bins: edge {k} ({edges[k]}) is not above edge {k - 1} ({edges[k - 1]}); " +
                    $"the {uncensored.Length} uncensored training times have too many ties. Use fewer bins.", nameof(train));
        return new TimeBins(edges);
    }

    /// <summary>The bin (0..K-1) of each time. Times must be finite and &gt; 0; the index of a bad one is named.</summary>
    public int[] Transform(IReadOnlyList<double> time)
    {
        SurvivalInput.CheckTimes(time);
        var result = new int[time.Count];
        for (int i = 0; i < result.Length; i++) result[i] = BinOf(time[i]);
        return result;
    }

    /// <summary>The bin of one time: the number of interior edges at or below it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is not finite.</exception>
    public int BinOf(double time)
    {
        if (!double.IsFinite(time)) throw new ArgumentOutOfRangeException(nameof(time), time, "time must be finite.");
        int bin = 0;
        for (int k = 1; k < Edges.Length - 1 && Edges[k] <= time; k++) bin = k;
        return bin;
    }

    /// <summary>Writes the edges as JSON (to a temporary file, then renamed; an existing file is replaced).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var json = new JsonObject
        {
            ["format"] = Format,
            ["version"] = FormatVersion,
            ["edges"] = new JsonArray(Edges.Select(e => (JsonNode)e).ToArray()),
        };
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads bins written by <see cref="Save"/>; a malformed file is rejected with a message naming it.</summary>
    /// <exception cref="InvalidDataException">The file is not a time-bins JSON or its edges are invalid.</exception>
    public static TimeBins Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e); }
        if (root is not JsonObject obj || (string?)obj["format"] != Format)
            throw new InvalidDataException($"{path}: expected a JSON object with \"format\": \"{Format}\".");
        if (obj["version"]?.GetValue<int>() is not FormatVersion)
            throw new InvalidDataException($"{path}: unsupported \"version\" {obj["version"]}; expected {FormatVersion}.");
        if (obj["edges"] is not JsonArray arr)
            throw new InvalidDataException($"{path}: missing the \"edges\" array.");
        var edges = new double[arr.Count];
        for (int i = 0; i < edges.Length; i++)
        {
            try { edges[i] = arr[i]!.GetValue<double>(); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new InvalidDataException($"{path}: edges[{i}] is not a number.", e);
            }
        }
        try { return new TimeBins(edges); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
