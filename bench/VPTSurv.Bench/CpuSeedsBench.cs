using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Evaluation;
using VPTSurv.Evaluation.References;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Survival;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// The training engine's results on the Cpu preset, per cohort, row and seed: the untrained (epoch 0) and per-epoch
/// training and validation C, the selected epoch, test C per slide, the did-not-learn verdict and wall time. Rows:
/// <c>ts-vpt</c> ("Only VPTSurv decoder", two-stage), <c>e2e-ss</c> (VPT + structure + scale, end to end),
/// <c>e2e-vpt</c> (VPT, tile prompt only), <c>e2e-s</c> (VPT + structure, Table 2's third row), and the two-stage baselines <c>ts-abmil</c>, <c>ts-transmil</c>,
/// <c>ts-patchgcn</c>, <c>ts-deepattnmisl</c>, <c>ts-hvtsurv</c>. Run from the repository root:
/// <code>OMP_NUM_THREADS=1 VPTSURV_COHORTS=synthetic-cd4,synthetic-cd8,synthetic-null VPTSURV_SEEDS=0,1,2,3,4 \
///   VPTSURV_ROWS=ts-vpt,e2e-ss VPTSURV_WORK=/tmp/vptsurv-cpu-seeds \
///   dotnet run -c Release --project bench/VPTSurv.Bench -- cpu-seeds --out bench/results/cpu-seeds.json</code>
/// Every finished run is also appended as one JSON line to <c>$VPTSURV_WORK/cpu-seeds.jsonl</c>, so a long grid that is
/// stopped keeps what finished. The tile pools and two-stage features are cached in <c>VPTSURV_WORK</c>.
/// </summary>
internal static class CpuSeedsBench
{
    private static readonly string[] DefaultRows = ["ts-vpt", "e2e-ss"];

    [Benchmark("cpu-seeds")]
    public static JsonNode Run()
    {
        string[] List(string name, string fallback) =>
            (Environment.GetEnvironmentVariable(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var cohorts = List("VPTSURV_COHORTS", "synthetic-cd4,synthetic-cd8,synthetic-null");
        var seeds = List("VPTSURV_SEEDS", "0,1,2,3,4").Select(int.Parse).ToArray();
        var rows = List("VPTSURV_ROWS", string.Join(",", DefaultRows));
        var work = Environment.GetEnvironmentVariable("VPTSURV_WORK") ?? Path.Combine(Path.GetTempPath(), "vptsurv-cpu-seeds");
        Directory.CreateDirectory(work);
        var lines = Path.Combine(work, "cpu-seeds.jsonl");
        var runs = new JsonArray();
        foreach (var cohortName in cohorts)
        {
            var cohort = ManifestReader.Read(Path.Combine("data-manifests", cohortName + ".csv"));
            foreach (var row in rows)
                foreach (var seed in seeds)
                {
                    var run = One(cohort, row, seed, work);
                    File.AppendAllText(lines, run.ToJsonString() + "\n");
                    runs.Add(run);
                }
        }
        return new JsonObject
        {
            ["preset"] = Preset.Cpu.Name,
            ["preset_json"] = PresetJson.Of(Preset.Cpu),
            ["torch_threads"] = TorchSharp.torch.get_num_threads(),
            ["runs"] = runs,
            ["summary"] = Summary(runs),
        };
    }

    private static JsonObject One(Cohort cohort, string row, int seed, string work)
    {
        // Two-stage rows "ts-<decoder>" train the registry's decoder, with its training defaults applied to the preset.
        var decoder = row.StartsWith("ts-", StringComparison.Ordinal) && row != "ts-vpt" ? DecoderRegistry.Get(row[3..]) : null;
        var basePreset = decoder?.TrainingPreset(Preset.Cpu) ?? Preset.Cpu;
        var preset = basePreset with { Training = basePreset.Training with { Seed = seed } };
        // Overrides for diagnostics (the committed results use the preset as it is): epochs, learning rate, warm-up epochs,
        // inference tiles, training tiles per step, bags per step, loss.
        if (Environment.GetEnvironmentVariable("VPTSURV_EPOCHS") is { } e) preset = preset with { Training = preset.Training with { Epochs = int.Parse(e) } };
        if (Environment.GetEnvironmentVariable("VPTSURV_LR") is { } lr) preset = preset with { Training = preset.Training with { LearningRate = double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture) } };
        if (Environment.GetEnvironmentVariable("VPTSURV_WARMUP") is { } w) preset = preset with { Training = preset.Training with { WarmupEpochs = double.Parse(w, System.Globalization.CultureInfo.InvariantCulture) } };
        if (Environment.GetEnvironmentVariable("VPTSURV_INFERENCE_TILES") is { } it) preset = preset with { Training = preset.Training with { InferenceTiles = int.Parse(it) } };
        if (Environment.GetEnvironmentVariable("VPTSURV_BAGS_PER_STEP") is { } bs) preset = preset with { Training = preset.Training with { BagsPerStep = int.Parse(bs) } };
        if (Environment.GetEnvironmentVariable("VPTSURV_LOSS") is { } loss) preset = preset with { Training = preset.Training with { Loss = Enum.Parse<VPTSurv.Survival.SurvivalLossKind>(loss, ignoreCase: true) } };
        if (Environment.GetEnvironmentVariable("VPTSURV_TILES_PER_STEP") is { } ts) preset = preset with { Training = preset.Training with { TilesPerStep = int.Parse(ts) } };
        var options = new TrainerOptions { WorkDirectory = work, Log = line => Console.Error.WriteLine($"  [{cohort.Name} {row} seed {seed}] {line}") };
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {cohort.Name} {row} seed {seed} ...");
        // (preset the run trains with, the model beyond the preset, the training): the keys notebooks 02-04 use too.
        var (trainedWith, rowKey, fit) = row switch
        {
            "e2e-ss" => (preset, "end-to-end/vptsurv", (Func<TrainingResult>)(() => new EndToEndTrainer(preset, options).Fit(cohort))),
            "e2e-vpt" => Prompted(PromptSources.None),
            "e2e-s" => Prompted(PromptSources.Structure),
            "ts-vpt" => (preset, "two-stage/vptsurv", () => new TwoStagePipeline(preset, options).Fit(cohort)),
            _ when decoder is not null => (preset, $"two-stage/{decoder.Name}", () => new TwoStagePipeline(preset, options).Fit(cohort, () => decoder.Build(preset))),
            _ => throw new ArgumentException($"cpu-seeds: unknown row '{row}'."),
        };
        (Preset, string, Func<TrainingResult>) Prompted(PromptSources sources)
        {
            var p = preset with { Prompts = preset.Prompts with { Sources = sources } };
            return (p, "end-to-end/vptsurv", () => new EndToEndTrainer(p, options).Fit(cohort));
        }
        // Finished runs are kept in a run store (VPTSURV_RUNS, default $VPTSURV_WORK/runs) shared with the notebooks: a
        // stopped grid goes on where it stopped, and a run already stored is read back, not trained again.
        var store = new RunStore(Environment.GetEnvironmentVariable("VPTSURV_RUNS") ?? Path.Combine(work, "runs"));
        var run = store.GetOrTrain(trainedWith, cohort, row, fit, rowKey, log: line => Console.Error.WriteLine($"  [{cohort.Name} {row} seed {seed}] {line}"));
        var test = run.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 200));
        var curve = run.Curve;
        var probe = ProbeOf(preset, cohort, work);
        var versusProbe = VersusProbe(test.Predictions, probe);
        var json = new JsonObject
        {
            ["cohort"] = cohort.Name,
            ["row"] = row,
            ["seed"] = seed,
            ["test_c"] = test.SlideC?.Estimate,
            ["test_c_lower"] = test.SlideC?.Lower,
            ["test_c_upper"] = test.SlideC?.Upper,
            ["test_c_patient"] = test.PatientC?.Estimate,
            ["test_slides"] = test.Slides,
            ["train_c"] = Num(curve.SelectedTrainC),
            ["train_c_in_flight"] = Num(curve.BestTrainC),
            ["validation_c"] = Num(curve.BestValidationC),
            ["seconds"] = Math.Round(run.Seconds, 1),
            ["library"] = run.Library,
            ["training"] = curve.ToJson(),
            // Paired bootstrap on the same test slides (resampled by patient): this run's C minus the linear probe's.
            ["versus_linear_probe"] = versusProbe is null ? null : Paired(versusProbe),
            ["linear_probe_test_c"] = probe.SlideC.Estimate,
            ["test_risks"] = new JsonObject(test.Predictions.Select(p => KeyValuePair.Create(p.SlideId, (JsonNode?)JsonValue.Create(p.Risk)))),
        };
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {cohort.Name} {row} seed {seed}: untrained train/val C {curve.Untrained.TrainC:F3}/{curve.Untrained.ValidationC:F3}, " +
            $"best epoch {curve.BestEpoch}: train C {curve.SelectedTrainC:F3} (in flight {curve.BestTrainC:F3}), val C {curve.BestValidationC:F3}, test C {test.SlideC?.Estimate:F3}" +
            $"{(curve.DidNotLearn ? " DID NOT LEARN" : "")}{(double.IsNaN(curve.PromptShift) ? "" : $", prompt shift {curve.PromptShift:F4} SD")} ({clock.Elapsed.TotalSeconds:F0} s)");
        return json;
    }

    private static readonly Dictionary<string, ReferenceRow> Probes = [];

    /// <summary>The linear-probe reference row of the cohort on the run's preset (subset, tile pool, encoder), fitted once per cohort.</summary>
    private static ReferenceRow ProbeOf(Preset preset, Cohort cohort, string work)
    {
        if (!Probes.TryGetValue(cohort.Name, out var row))
            Probes[cohort.Name] = row = ReferenceRows.LinearProbe(preset, cohort, new TrainerOptions { WorkDirectory = work });
        return row;
    }

    private static PairedConcordanceResult? VersusProbe(IReadOnlyList<SlidePrediction> run, ReferenceRow probe)
    {
        var probeRisk = probe.Test.ToDictionary(r => r.SlideId, r => r.Risk, StringComparer.Ordinal);
        var both = run.Where(p => probeRisk.ContainsKey(p.SlideId)).ToList();
        if (both.Count < 2) return null;
        return PairedConcordance.Compare([.. both.Select(p => p.Time)], [.. both.Select(p => p.EventObserved)],
            [.. both.Select(p => p.Risk)], [.. both.Select(p => probeRisk[p.SlideId])], [.. both.Select(p => p.PatientId)], resamples: 1000);
    }

    /// <summary>
    /// Seed-mean C of a row minus the linear probe's, paired on the test slides every seed scored (resampled by patient;
    /// <see cref="PairedConcordance.CompareMeans"/>) over the runs that recorded their test risks (runs of an older bench
    /// build did not); null when the probe was not fitted in this process or no run has risks.
    /// </summary>
    private static PairedConcordanceResult? MeanVersusProbe(string cohort, List<JsonObject> runs)
    {
        runs = runs.Where(r => r["test_risks"] is JsonObject).ToList();
        if (!Probes.TryGetValue(cohort, out var probe) || runs.Count == 0) return null;
        var risks = runs.Select(r => r["test_risks"]!.AsObject().ToDictionary(kv => kv.Key, kv => (double)kv.Value!, StringComparer.Ordinal)).ToList();
        var slides = probe.Test.Where(t => risks.All(r => r.ContainsKey(t.SlideId))).ToList();
        if (slides.Count < 2) return null;
        return PairedConcordance.CompareMeans([.. slides.Select(t => t.Time)], [.. slides.Select(t => t.EventObserved)],
            [.. risks.Select(r => (IReadOnlyList<double>)[.. slides.Select(t => r[t.SlideId])])],
            [[.. slides.Select(t => t.Risk)]], [.. slides.Select(t => t.PatientId)], resamples: 1000);
    }

    /// <summary>
    /// Seed-mean C of a row minus the seed-mean C of VPTSurv end to end (<c>e2e-ss</c>) on the same cohort, paired on
    /// the test slides every run of both scored (resampled by patient; <see cref="PairedConcordance.CompareMeans"/>), as
    /// Table 1 compares every row with VPTSurv; null for the end-to-end row itself or when either side has no risks.
    /// </summary>
    private static PairedConcordanceResult? MeanVersusEndToEnd(string cohort, string row, List<JsonObject> runs, IEnumerable<JsonObject> all)
    {
        if (row == EndToEndRow) return null;
        static List<Dictionary<string, double>> Risks(IEnumerable<JsonObject> rs) =>
            [.. rs.Where(r => r["test_risks"] is JsonObject)
                .Select(r => r["test_risks"]!.AsObject().ToDictionary(kv => kv.Key, kv => (double)kv.Value!, StringComparer.Ordinal))];
        var a = Risks(runs);
        var b = Risks(all.Where(r => (string)r["cohort"]! == cohort && (string)r["row"]! == EndToEndRow));
        if (a.Count == 0 || b.Count == 0) return null;
        var cohortData = ManifestReader.Read(Path.Combine("data-manifests", cohort + ".csv"));
        var slides = cohortData.Slides.Where(s => a.Concat(b).All(r => r.ContainsKey(s.SlideId))).ToList();
        if (slides.Count < 2) return null;
        return PairedConcordance.CompareMeans([.. slides.Select(s => s.Time)], [.. slides.Select(s => s.EventObserved)],
            [.. a.Select(r => (IReadOnlyList<double>)[.. slides.Select(s => r[s.SlideId])])],
            [.. b.Select(r => (IReadOnlyList<double>)[.. slides.Select(s => r[s.SlideId])])],
            [.. slides.Select(s => s.PatientId)], resamples: 1000);
    }

    private const string EndToEndRow = "e2e-ss";

    private static JsonObject Paired(PairedConcordanceResult r) => new()
    {
        ["c_run"] = r.CIndexA, ["c_probe"] = r.CIndexB, ["difference"] = r.Difference, ["lower"] = r.Lower, ["upper"] = r.Upper,
        ["std_error"] = r.StdError, ["p"] = r.PValue, ["resamples"] = r.Resamples, ["unit"] = r.ResamplingUnit, ["units"] = r.Units,
    };

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    /// <summary>Per cohort and row: mean, SD (n − 1) and range of the test C over seeds, mean training C, runs that did not learn.</summary>
    private static JsonArray Summary(JsonArray runs)
    {
        var result = new JsonArray();
        foreach (var g in runs.Select(r => r!.AsObject()).GroupBy(r => ((string)r["cohort"]!, (string)r["row"]!)))
        {
            var test = g.Select(r => (double?)r["test_c"]).Where(v => v is not null).Select(v => v!.Value).ToArray();
            var train = g.Select(r => (double?)r["train_c"]).Where(v => v is not null).Select(v => v!.Value).ToArray();
            double mean = test.Length == 0 ? double.NaN : test.Average();
            double sd = test.Length < 2 ? double.NaN : Math.Sqrt(test.Sum(v => (v - mean) * (v - mean)) / (test.Length - 1));
            result.Add(new JsonObject
            {
                ["cohort"] = g.Key.Item1,
                ["row"] = g.Key.Item2,
                ["seeds"] = g.Count(),
                ["test_c_mean"] = Num(mean),
                ["test_c_sd"] = Num(sd),
                ["test_c_min"] = test.Length == 0 ? null : test.Min(),
                ["test_c_max"] = test.Length == 0 ? null : test.Max(),
                ["train_c_mean"] = train.Length == 0 ? null : train.Average(),
                ["train_c_min"] = train.Length == 0 ? null : train.Min(),
                ["did_not_learn"] = g.Count(r => (bool?)r["training"]!["did_not_learn"] == true),
                // End to end: mean RMS shift the prompts make to the decoder's standardised input (runs that measured it).
                ["prompt_shift_mean"] = g.Select(r => (double?)r["training"]?["prompt_shift"]).Where(v => v is not null).Select(v => v!.Value)
                    .DefaultIfEmpty(double.NaN).Average() is var ps && double.IsFinite(ps) ? ps : null,
                ["versus_linear_probe"] = MeanVersusProbe(g.Key.Item1, g.ToList()) is { } v ? Paired(v) : null,
                ["versus_linear_probe_seeds"] = g.Count(r => r["test_risks"] is JsonObject),
                // Every row against VPTSurv end to end on the same test slides (seed means; "c_probe" is then the end-to-end row's C).
                ["versus_end_to_end"] = MeanVersusEndToEnd(g.Key.Item1, g.Key.Item2, g.ToList(), runs.Select(r => r!.AsObject())) is { } w ? Paired(w) : null,
            });
        }
        return result;
    }

    /// <summary>
    /// Rebuilds the summary of a stopped grid, or of grids run in several processes: the runs of
    /// <c>$VPTSURV_WORK/cpu-seeds.jsonl</c>, or of the files listed in VPTSURV_LINES (comma-separated). The linear-probe
    /// row of each cohort is fitted again from the feature cache in VPTSURV_WORK for the paired comparisons.
    /// </summary>
    [Benchmark("cpu-seeds-summary")]
    public static JsonNode FromLines()
    {
        var work = Environment.GetEnvironmentVariable("VPTSURV_WORK") ?? Path.Combine(Path.GetTempPath(), "vptsurv-cpu-seeds");
        var files = Environment.GetEnvironmentVariable("VPTSURV_LINES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? [Path.Combine(work, "cpu-seeds.jsonl")];
        var runs = new JsonArray([.. files.SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l))]);
        foreach (var cohort in runs.Select(r => (string)r!["cohort"]!).Distinct())
            ProbeOf(Preset.Cpu, ManifestReader.Read(Path.Combine("data-manifests", cohort + ".csv")), work);
        return new JsonObject
        {
            ["preset"] = Preset.Cpu.Name,
            ["preset_json"] = PresetJson.Of(Preset.Cpu),
            ["runs"] = runs,
            ["summary"] = Summary(runs),
        };
    }
}
