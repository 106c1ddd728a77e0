using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Pretraining;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// Are the shipped MAE encoders' features useful and generic? Linear probes (ridge, ridge chosen by slide-grouped
/// inner CV) on frozen mean-pooled features of tiles from 20 synthetic slides that neither a cohort nor the pretraining
/// pool contains (probe seed 1001; 60 tiles each: a third inside tissue, on its boundary, on glass), scored by 5-fold
/// cross-validation over slides (mean ± SD over folds) for every <see cref="ProbeTarget"/>. Side by side in one run:
/// the shipped weights; the same encoder at MAE's random initialisation with the run's seed 0 (its starting point) and
/// with seed 1 (the spread of "random"); 10 colour statistics per tile (what needs no encoder at all); and any further
/// weights named in <c>VPTSURV_PROBE_WEIGHTS</c> (<c>cpu:name=path.safetensors,…</c>) to compare candidates;
/// <c>VPTSURV_PROBE_PRESETS=cpu</c> limits the run to some presets.
/// </summary>
internal static class MaeProbeBench
{
    [Benchmark("mae-probe")]
    public static JsonNode Run()
    {
        var extra = (Environment.GetEnvironmentVariable("VPTSURV_PROBE_WEIGHTS") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ParseExtra).ToList();
        var result = new JsonObject
        {
            ["probe"] = "ridge on standardised features, 5 folds over 20 probe slides (4 held out per fold), mean and SD over folds",
            ["targets"] = new JsonObject(ProbeTarget.All.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)t.Description))),
        };
        var presets = (Environment.GetEnvironmentVariable("VPTSURV_PROBE_PRESETS") ?? "cpu,smoke")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var (name, preset, mae) in new[] { ("cpu", Preset.Cpu, MaeConfig.Cpu), ("smoke", Preset.Smoke, MaeConfig.Smoke) })
        {
            if (!presets.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
            var clock = Stopwatch.StartNew();
            var data = ProbeTiles.Draw(slides: 20, tilesPerSlide: 60, tileSize: preset.Encoder.ImageSize, micronsPerPixel: 1.0, seed: 1001);
            double drawSeconds = clock.Elapsed.TotalSeconds;

            var encoders = new List<(string Label, string What, Func<double[][]> Features)>
            {
                ("pretrained", preset.EncoderWeights!, () => Pooled(preset, preset.EncoderWeights!, data)),
            };
            foreach (var (p, label, path) in extra.Where(e => e.Preset == name))
                encoders.Add((label, path, () => Pooled(preset, path, data)));
            foreach (ulong seed in new ulong[] { 0, 1 })
                encoders.Add(($"random_init_seed{seed}", $"MAE initialisation, seed {seed}", () => RandomInit(mae, seed, data)));
            encoders.Add(("colour_stats", "mean and SD of R, G, B, hematoxylin OD, DAB OD (10 values)", () => LinearProbe.ColourStatistics(data.Tiles)));

            var entry = new JsonObject
            {
                ["probe_tiles"] = data.Count,
                ["tissue_tiles"] = data.TissueFraction.Count(f => f >= 0.5),
                ["boundary_tiles"] = data.TissueFraction.Count(f => f >= 0.05 && f < 0.95),
                ["tiles_with_3_tumour_nuclei"] = data.TumourNuclei.Count(n => n >= 3),
                ["dab_cells_mean_on_tissue"] = Math.Round(data.MarkedCells.Where((_, i) => data.TissueFraction[i] >= 0.5).Average(), 2),
                ["draw_seconds"] = Math.Round(drawSeconds, 1),
            };
            foreach (var (label, what, features) in encoders)
            {
                clock.Restart();
                var x = features();
                var node = new JsonObject { ["what"] = what };
                foreach (var target in ProbeTarget.All)
                {
                    var s = LinearProbe.Evaluate(x, data, target);
                    var t = new JsonObject { ["mean"] = Math.Round(s.Mean, 4), ["sd"] = Math.Round(s.Sd, 4) };
                    if (s.Spearman.Length > 0) t["spearman_mean"] = Math.Round(s.Spearman.Average(), 4);
                    t["folds"] = new JsonArray([.. s.Score.Select(v => (JsonNode?)Math.Round(v, 4))]);
                    t["test_tiles"] = s.TestTiles.Sum();
                    node[target.Name] = t;
                }
                node["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
                entry[label] = node;
            }
            result[name] = entry;
        }
        return result;
    }

    private static double[][] Pooled(Preset preset, string weights, ProbeTiles data)
    {
        using var encoder = preset.Encoder.Build();
        CheckpointLoader.Load(encoder, weights, preset.WeightsLayout);
        return LinearProbe.PooledFeatures(encoder, data.Tiles);
    }

    private static double[][] RandomInit(MaeConfig mae, ulong seed, ProbeTiles data)
    {
        // As MaePretraining.Run builds its starting point: seed the global generator, then construct the model.
        torch.random.manual_seed((long)seed);
        using var model = new MaeModel(mae with { Seed = seed });
        return LinearProbe.PooledFeatures(model.Encoder, data.Tiles);
    }

    private static (string Preset, string Label, string Path) ParseExtra(string spec)
    {
        int colon = spec.IndexOf(':'), eq = spec.IndexOf('=');
        if (colon <= 0 || eq <= colon + 1 || eq == spec.Length - 1)
            throw new ArgumentException($"VPTSURV_PROBE_WEIGHTS entry '{spec}': expected preset:name=path.safetensors (preset cpu or smoke).");
        var path = spec[(eq + 1)..];
        if (!File.Exists(path))
            throw new FileNotFoundException($"VPTSURV_PROBE_WEIGHTS entry '{spec}': no file '{path}'.", path);
        return (spec[..colon].ToLowerInvariant(), spec[(colon + 1)..eq], path);
    }
}
