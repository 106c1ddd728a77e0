using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MathNet.Numerics.Statistics;
using VPTSurv.Evaluation.References;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using VPTSurv.Survival;

namespace VPTSurv.Evaluation;

/// <summary>One aggregated table row: seeds, per-seed test C, mean, SD, range, did-not-learn marks and the paired
/// comparison with the table's comparison row on the same test slides.</summary>
/// <param name="Cohort">Cohort name.</param>
/// <param name="Name">Row name.</param>
/// <param name="Category">Row category.</param>
/// <param name="Seeds">Seeds of the runs, in order.</param>
/// <param name="TestC">Test C per slide of each run.</param>
/// <param name="PatientC">Test C per patient of each run (NaN where not computable).</param>
/// <param name="DidNotLearn">Each run's did-not-learn mark, as its training report gives it.</param>
/// <param name="Mean">Mean test C over all the runs, those marked "did not learn" included (the marks say how many; dropping them
/// would hide the failures and flatter the row).</param>
/// <param name="Sd">Sample standard deviation over the runs (NaN with one run).</param>
/// <param name="Min">Lowest run.</param>
/// <param name="Max">Highest run.</param>
/// <param name="VersusComparisonRow">Paired bootstrap of (this row's seed-mean C) − (the comparison row's) on the
/// same test slides, resampled by patient; null for the comparison row itself or when it is missing on the cohort.</param>
public sealed record RowSummary(string Cohort, string Name, string Category, int[] Seeds, double[] TestC, double[] PatientC, bool[] DidNotLearn,
    double Mean, double Sd, double Min, double Max, PairedConcordanceResult? VersusComparisonRow)
{
    /// <summary>Runs marked "did not learn".</summary>
    public int DidNotLearnCount => DidNotLearn.Count(d => d);
}

/// <summary>
/// A results table over seeds: each row's test C per seed, mean ± SD and range, did-not-learn marks, and a paired
/// bootstrap comparison of every row with one comparison row (e.g. "VPTSurv (end-to-end)") of the same cohort.
/// </summary>
/// <remarks>
/// How seeds enter the comparison: the statistic is the difference of the seed-mean C's — mean over the row's seeds of
/// C(row, seed) minus mean over the comparison row's seeds of C(comparison, seed) — i.e. exactly the difference of the
/// two "mean" cells of the table. Every run is scored on the same bootstrap resamples of the test patients
/// (<see cref="PairedConcordance.CompareMeans"/>), so the interval and p say whether that difference could come from
/// which test patients happened to be drawn, with the trained runs held fixed. Two alternatives were set aside:
/// averaging the seeds' risks first scores an ensemble that no single run is (and risks of different runs need not
/// share a scale), and the median of per-seed comparisons pairs seed s of one row with seed s of the other although
/// the seeds of two different models are not matched in any sense. The spread over seeds is reported beside it (SD,
/// range) and is a separate source of variation: the interval does not include it.
/// </remarks>
public sealed class ResultTable
{
    private ResultTable(string comparisonRow, IReadOnlyList<RowSummary> rows, int resamples, int seed)
    {
        ComparisonRow = comparisonRow; Rows = rows; Resamples = resamples; Seed = seed;
    }

    /// <summary>Name of the row every other row is compared with.</summary>
    public string ComparisonRow { get; }

    /// <summary>The rows, in input order.</summary>
    public IReadOnlyList<RowSummary> Rows { get; }

    /// <summary>Bootstrap resamples of the comparisons.</summary>
    public int Resamples { get; }

    /// <summary>Seed of the comparisons' resampling.</summary>
    public int Seed { get; }

    /// <summary>
    /// Aggregates <paramref name="rows"/> and compares each with the row named <paramref name="comparisonRow"/> of its
    /// cohort. Runs of one cohort must be scored on the same test slides.
    /// </summary>
    /// <exception cref="ArgumentException">A row has no run, a name repeats within a cohort, or a run's test slides
    /// differ from its cohort's first run (row, seed and slide named).</exception>
    public static ResultTable Build(IEnumerable<ResultRow> rows, string comparisonRow, int resamples = 1000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(comparisonRow);
        var list = rows.ToList();
        foreach (var r in list)
            if (r.Runs.Count == 0) throw new ArgumentException($"row '{r.Name}' of cohort '{r.Cohort}' has no run.", nameof(rows));
        foreach (var dup in list.GroupBy(r => (r.Cohort, r.Name)).Where(g => g.Count() > 1))
            throw new ArgumentException($"row '{dup.Key.Name}' appears {dup.Count()} times for cohort '{dup.Key.Cohort}'.", nameof(rows));

        // Per cohort: one slide order (the first run's), every run aligned to it.
        var slideOrder = new Dictionary<string, SlideRisk[]>(StringComparer.Ordinal);
        foreach (var r in list)
            slideOrder.TryAdd(r.Cohort, [.. r.Runs[0].Test.OrderBy(s => s.SlideId, StringComparer.Ordinal)]);
        double[] Aligned(ResultRow row, SeedRun run)
        {
            var order = slideOrder[row.Cohort];
            var byId = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var s in run.Test) byId[s.SlideId] = s.Risk;
            if (byId.Count != order.Length)
                throw new ArgumentException($"row '{row.Name}' seed {run.Seed} ({row.Cohort}) has {byId.Count} test slides; the cohort's other runs have {order.Length}.", nameof(rows));
            return order.Select(s => byId.TryGetValue(s.SlideId, out var v) ? v
                : throw new ArgumentException($"row '{row.Name}' seed {run.Seed} ({row.Cohort}) has no risk for test slide '{s.SlideId}'.", nameof(rows))).ToArray();
        }

        var summaries = new List<RowSummary>();
        foreach (var r in list)
        {
            var c = r.Runs.Select(x => x.TestC).ToArray();
            var reference = list.FirstOrDefault(x => x.Cohort == r.Cohort && x.Name == comparisonRow);
            PairedConcordanceResult? versus = null;
            if (reference is not null && !ReferenceEquals(reference, r))
            {
                var order = slideOrder[r.Cohort];
                versus = PairedConcordance.CompareMeans(
                    order.Select(s => s.Time).ToArray(), order.Select(s => s.EventObserved).ToArray(),
                    r.Runs.Select(x => (IReadOnlyList<double>)Aligned(r, x)).ToList(),
                    reference.Runs.Select(x => (IReadOnlyList<double>)Aligned(reference, x)).ToList(),
                    order.Select(s => s.PatientId).ToArray(), resamples, seed: seed);
            }
            else
                foreach (var run in r.Runs) Aligned(r, run);
            summaries.Add(new RowSummary(r.Cohort, r.Name, r.Category, [.. r.Runs.Select(x => x.Seed)], c, [.. r.Runs.Select(x => x.PatientC)],
                [.. r.Runs.Select(x => x.DidNotLearn)], c.Average(), c.Length < 2 ? double.NaN : c.StandardDeviation(), c.Min(), c.Max(), versus));
        }
        return new ResultTable(comparisonRow, summaries, resamples, seed);
    }

    /// <summary>The table as JSON: per row the seeds, per-seed C, mean, SD, range, marks and the comparison.</summary>
    public JsonObject ToJson() => new()
    {
        ["format"] = "vptsurv-result-table/1",
        ["comparison_row"] = ComparisonRow,
        ["comparison"] = $"paired bootstrap of the seed-mean test C difference (row − '{ComparisonRow}'), {Resamples} resamples of the test patients, seed {Seed}",
        ["rows"] = new JsonArray([.. Rows.Select(r => (JsonNode)new JsonObject
        {
            ["cohort"] = r.Cohort, ["name"] = r.Name, ["category"] = r.Category,
            ["seeds"] = new JsonArray([.. r.Seeds.Select(s => (JsonNode)s)]),
            ["test_c"] = new JsonArray([.. r.TestC.Select(Json.Number)]),
            ["test_c_patient"] = new JsonArray([.. r.PatientC.Select(Json.Number)]),
            ["did_not_learn"] = new JsonArray([.. r.DidNotLearn.Select(d => (JsonNode)d)]),
            ["mean"] = Json.Number(r.Mean), ["sd"] = Json.Number(r.Sd), ["min"] = Json.Number(r.Min), ["max"] = Json.Number(r.Max),
            ["versus_comparison_row"] = Json.Comparison(r.VersusComparisonRow),
        })]),
    };

    /// <summary>Writes <see cref="ToJson"/> (atomic; an existing file is kept unless <paramref name="overwrite"/>).</summary>
    public void SaveJson(string path, bool overwrite = false) =>
        AtomicFile.Write(path, tmp => File.WriteAllText(tmp, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true })), overwrite);

    /// <summary>
    /// The table as Markdown, C in %: per row the mean ± SD over seeds, the range, each seed's C (marked † when that
    /// run did not learn), and the paired difference with the comparison row, its interval and p.
    /// </summary>
    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"| cohort | model | category | seeds | mean ± SD | range | per seed | Δ vs {ComparisonRow} [95% CI], p |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
        {
            string perSeed = string.Join(", ", r.TestC.Select((c, i) => (100 * c).ToString("F1", ci) + (r.DidNotLearn[i] ? "†" : "")));
            string sd = double.IsNaN(r.Sd) ? "" : $" ± {100 * r.Sd:F1}";
            string versus = r.VersusComparisonRow is { } v
                ? $"{100 * v.Difference:+0.0;-0.0;0.0} [{100 * v.Lower:F1}, {100 * v.Upper:F1}], p {v.PValue.ToString(v.PValue < 0.001 ? "0.0e0" : "F3", ci)}"
                : r.Name == ComparisonRow ? "(comparison row)" : "";
            string marks = r.DidNotLearnCount > 0 ? $" ({r.DidNotLearnCount}/{r.Seeds.Length} did not learn †)" : "";
            sb.AppendLine($"| {r.Cohort} | {r.Name} | {r.Category} | {r.Seeds.Length} | {(100 * r.Mean).ToString("F1", ci)}{sd}{marks} | " +
                $"{(r.Seeds.Length > 1 ? $"{(100 * r.Min).ToString("F1", ci)}–{(100 * r.Max).ToString("F1", ci)}" : "")} | {perSeed} | {versus} |");
        }
        sb.AppendLine();
        sb.AppendLine($"† the run did not learn: its best validation C did not beat the larger of its untrained (epoch 0) validation C " +
            "and 0.5 by the training report's margin (its JSON gives the numbers). Δ: paired bootstrap of the " +
            $"difference of the seed-mean test C with '{ComparisonRow}' on the same test slides ({Resamples} resamples of the test patients); " +
            "its interval does not include the spread over seeds.");
        return sb.ToString();
    }
}
