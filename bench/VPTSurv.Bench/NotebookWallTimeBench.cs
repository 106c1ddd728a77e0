using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VPTSurv.Evaluation;

namespace VPTSurv.Bench;

/// <summary>
/// The wall time of the full Cpu-preset Table 1 notebook before and after issue 13, from the parts
/// <c>bench/notebook-wall-time.sh</c> leaves in <c>VPTSURV_NB_PARTS</c>: per phase the commit, GNU time's report of
/// <c>.ci/notebooks</c>, the notebook line it printed, the executed notebook and the load a minute. For the "after"
/// phase, which reads finished runs from a run store, the training seconds of every run the notebook read (each stored
/// with the wall time its training took) are added to the notebook's own time: the total is what one pass of the
/// notebook costs on this machine when it trains everything itself.
/// </summary>
internal static partial class NotebookWallTimeBench
{
    /// <summary>The last commit before issue 13's work: the notebook as the first wave left it.</summary>
    private const string FirstWave = "3622744";

    [Benchmark("notebook-wall-time")]
    public static JsonNode Run()
    {
        string parts = Environment.GetEnvironmentVariable("VPTSURV_NB_PARTS")
            ?? Path.Combine(Path.GetTempPath(), "vptsurv-notebook-wall-time");
        var result = new JsonObject
        {
            ["notebook"] = "notebooks/02-main-results.ipynb",
            ["preset"] = "cpu",
            ["command"] = "VPTSURV_RUNS=<store> bash bench/notebook-wall-time.sh [before] [after]",
        };
        double? before = null, after = null;
        int? beforeEpochs = null, afterEpochs = null;
        if (Directory.Exists(Path.Combine(parts, "before")))
        {
            var b = Phase(Path.Combine(parts, "before"));
            // The first wave's notebook keeps no run store; what it trains is fixed by its commit's source.
            if (b["commit"]?.GetValue<string>() is { } commit && commit.StartsWith(FirstWave, StringComparison.Ordinal))
                b["what_it_runs"] = "synthetic-cd4 and synthetic-cd8, six rows (TransMIL, PatchGCN, DeepAttnMISL, HVTSurv and the " +
                    "VPTSurv decoder two-stage, VPTSurv end to end), one seed, 5 epochs: 12 training runs, 60 run-epochs; no reference rows";
            if (b.ContainsKey("what_it_runs")) b["run_epochs"] = 60;
            before = b["notebook_seconds"]?.GetValue<double>();
            result["before"] = b;
            beforeEpochs = b["run_epochs"]?.GetValue<int>();
        }
        if (Directory.Exists(Path.Combine(parts, "after")))
        {
            var a = Phase(Path.Combine(parts, "after"));
            var stored = StoredRunsRead(Path.Combine(parts, "after"));
            a["stored_runs"] = stored;
            double trainingSeconds = stored["training_seconds"]!.GetValue<double>();
            afterEpochs = stored["run_epochs"]?.GetValue<int>();
            if (a["notebook_seconds"]?.GetValue<double>() is { } own)
            {
                after = own + trainingSeconds;
                a["total_seconds"] = after;
                a["total_hours"] = Math.Round(after.Value / 3600, 2);
                if (stored["training_seconds_row_medians"]?.GetValue<double>() is { } medians)
                    a["total_hours_row_medians"] = Math.Round((own + medians) / 3600, 2);
            }
            result["after"] = a;
        }
        if (before is { } x && after is { } y)
            result["after_over_before"] = Math.Round(y / x, 2);
        if (beforeEpochs is { } e0 && afterEpochs is { } e1)
            result["run_epochs_after_over_before"] = Math.Round((double)e1 / e0, 2);
        return result;
    }

    /// <summary>One phase: commit, times and memory of the <c>.ci/notebooks</c> call, the notebook's own seconds and the load.</summary>
    private static JsonObject Phase(string dir)
    {
        string? Read(string name) => File.Exists(Path.Combine(dir, name)) ? File.ReadAllText(Path.Combine(dir, name)).Trim() : null;
        var phase = new JsonObject
        {
            ["commit"] = Read("commit.txt"),
            ["started"] = Read("started.txt"),
            ["finished"] = Read("finished.txt"),
        };
        // .ci/notebooks: "notebook 02-main-results: ok (1083s, preset cpu)" — the dotnet repl run alone, no packing.
        if (Read("notebooks.out") is { } output && NotebookLine().Match(output) is { Success: true } m)
        {
            phase["notebook_line"] = m.Value;
            phase["notebook_ok"] = m.Groups["status"].Value == "ok";
            phase["notebook_seconds"] = double.Parse(m.Groups["seconds"].Value, CultureInfo.InvariantCulture);
        }
        if (Read("time.txt") is { } time)
        {
            // GNU time -v of the whole script (restore, pack, notebook).
            phase["script_wall_seconds"] = TimeField(time, @"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?<v>[\d:.]+)", WallClock);
            phase["script_user_seconds"] = TimeField(time, @"User time \(seconds\): (?<v>[\d.]+)", Number);
            phase["script_system_seconds"] = TimeField(time, @"System time \(seconds\): (?<v>[\d.]+)", Number);
            phase["peak_rss_mb"] = TimeField(time, @"Maximum resident set size \(kbytes\): (?<v>\d+)", v => Math.Round(Number(v) / 1024, 1));
        }
        if (Read("load.txt") is { } load)
        {
            var ones = load.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 2).Select(f => Number(f[1])).ToArray();
            if (ones.Length > 0)
                phase["load_1min"] = new JsonObject
                {
                    ["samples"] = ones.Length,
                    ["median"] = BenchStatistics.Median(ones),
                    ["min"] = ones.Min(),
                    ["max"] = ones.Max(),
                };
        }
        return phase;
    }

    /// <summary>
    /// The runs the executed notebook read from the store (its "from the run store" lines) with the seconds each took to
    /// train, read from the store itself; and how many the notebook trained (already inside its own time).
    /// </summary>
    private static JsonObject StoredRunsRead(string dir)
    {
        var notebook = Path.Combine(dir, "notebook", "02-main-results.ipynb");
        var storeFile = Path.Combine(dir, "store.txt");
        var text = File.Exists(notebook) ? OutputText(notebook) : "";
        var read = FromStoreLine().Matches(text).Select(m => (Cohort: m.Groups["cohort"].Value, Row: m.Groups["row"].Value, Seed: int.Parse(m.Groups["seed"].Value, CultureInfo.InvariantCulture)))
            .Distinct().ToList();
        int trainedHere = TrainedHereLine().Matches(text).Count;
        var result = new JsonObject { ["runs_read"] = read.Count, ["runs_trained_by_the_notebook"] = trainedHere };
        if (!File.Exists(storeFile))
        {
            result["training_seconds"] = 0.0;
            return result;
        }
        var store = new RunStore(File.ReadAllText(storeFile).Trim());
        var byId = store.All().ToLookup(r => (r.Cohort, r.Row, r.Seed));
        var runs = read.Select(k => byId[k].FirstOrDefault() ?? throw new InvalidOperationException(
            $"notebook-wall-time: the notebook read {k.Cohort} · {k.Row} · seed {k.Seed} from the store, which no longer holds it ({store.Directory}).")).ToList();
        result["store"] = store.Directory;
        if (runs.Count == 0)
        {
            // The notebook trained every run itself: its own wall time is the whole job.
            result["training_seconds"] = 0.0;
            return result;
        }
        var epochs = runs.Select(r => JsonNode.Parse(r.PresetJson)!["Training"]!["Epochs"]!.GetValue<int>()).ToList();
        result["run_epochs"] = epochs.Sum();
        result["what_it_runs"] = $"{string.Join(", ", runs.Select(r => r.Cohort).Distinct())}; rows {string.Join(", ", runs.Select(r => r.Row).Distinct())}; " +
            $"seeds {string.Join(", ", runs.Select(r => r.Seed).Distinct().Order())}; {runs.Count} training runs, {epochs.Sum()} run-epochs; plus the reference rows (oracle, hand features, linear probe)";
        result["training_seconds"] = runs.Sum(r => r.Seconds);
        result["training_hours"] = Math.Round(runs.Sum(r => r.Seconds) / 3600, 2);
        result["by_row"] = new JsonObject(runs.GroupBy(r => r.Row).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            KeyValuePair.Create(g.Key, (JsonNode?)new JsonObject
            {
                ["runs"] = g.Count(),
                ["seconds"] = g.Sum(r => r.Seconds),
                ["median_seconds"] = BenchStatistics.Median(g.Select(r => r.Seconds)),
                ["min_seconds"] = g.Min(r => r.Seconds),
                ["max_seconds"] = g.Max(r => r.Seconds),
            })));
        // The stored seconds are what each run took under the load of its day (one libtorch thread per process, up to
        // four processes on the 2 cores); the per-row median times the row's runs is the same sum without the outliers.
        double medianSum = runs.GroupBy(r => r.Row).Sum(g => g.Count() * BenchStatistics.Median(g.Select(r => r.Seconds)));
        result["training_seconds_row_medians"] = medianSum;
        result["trained_by"] = new JsonArray([.. runs.Select(r => r.Library).Distinct().Order(StringComparer.Ordinal).Select(v => (JsonNode?)v)]);
        result["trained_between"] = new JsonArray(runs.Min(r => r.Finished).ToString("O"), runs.Max(r => r.Finished).ToString("O"));
        return result;
    }

    /// <summary>Every text output of every cell of an executed notebook, one after another.</summary>
    private static string OutputText(string path)
    {
        var nb = JsonNode.Parse(File.ReadAllText(path))!;
        var text = new System.Text.StringBuilder();
        foreach (var cell in nb["cells"]!.AsArray())
            foreach (var output in cell!["outputs"]?.AsArray() ?? [])
            {
                Append(output!["text"]);
                if (output!["data"] is JsonObject data)
                    foreach (var (_, value) in data)
                        Append(value);
            }
        return text.ToString();

        void Append(JsonNode? node)
        {
            if (node is JsonArray lines) foreach (var l in lines) text.Append(l?.GetValue<string>()).Append('\n');
            else if (node is JsonValue v && v.TryGetValue<string>(out var s)) text.Append(s).Append('\n');
        }
    }

    private static JsonNode? TimeField(string text, string pattern, Func<string, double> parse) =>
        Regex.Match(text, pattern) is { Success: true } m ? parse(m.Groups["v"].Value) : null;

    private static double Number(string v) => double.Parse(v, CultureInfo.InvariantCulture);

    /// <summary>GNU time's "h:mm:ss" or "m:ss.ss" as seconds.</summary>
    private static double WallClock(string v) => v.Split(':').Aggregate(0.0, (acc, part) => acc * 60 + Number(part));

    [GeneratedRegex(@"notebook 02-main-results: (?<status>ok|FAILED) \((?:exit \d+, \S+ cell errors, )?(?<seconds>\d+)s")]
    private static partial Regex NotebookLine();

    // RunStore.GetOrTrain's log: "<cohort> · <row> · seed <s>: from the run store (<stored cohort> · <stored row>, trained …)".
    [GeneratedRegex(@"· seed (?<seed>\d+): from the run store \((?<cohort>[^ ]+) · (?<row>[^,]+), trained")]
    private static partial Regex FromStoreLine();

    [GeneratedRegex(@"· seed \d+: trained in \d+ s, stored as")]
    private static partial Regex TrainedHereLine();
}
