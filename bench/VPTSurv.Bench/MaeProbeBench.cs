using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Pretraining;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// Are the shipped MAE encoders' features useful and generic? Linear probes on frozen mean-pooled features of tiles from
/// 20 synthetic slides that neither a cohort nor the pretraining pool contains (probe seed 1001; 40 tiles each, half
/// tissue): tissue versus background accuracy and DAB-positive density R² / Spearman on 6 held-out slides, for the
/// shipped weights and for the same encoder at MAE's random initialisation (the run's starting point, seed 0),
/// fitted on all 560 training tiles and on 64 of them.
/// </summary>
internal static class MaeProbeBench
{
    [Benchmark("mae-probe")]
    public static JsonNode Run()
    {
        var result = new JsonObject();
        foreach (var (name, preset, mae) in new[] { ("cpu", Preset.Cpu, MaeConfig.Cpu), ("smoke", Preset.Smoke, MaeConfig.Smoke) })
        {
            var clock = Stopwatch.StartNew();
            var data = ProbeTiles.Draw(slides: 20, tilesPerSlide: 40, tileSize: preset.Encoder.ImageSize, micronsPerPixel: 1.0, seed: 1001);
            double drawSeconds = clock.Elapsed.TotalSeconds;

            using var pretrained = preset.Encoder.Build();
            CheckpointLoader.Load(pretrained, preset.EncoderWeights!, preset.WeightsLayout);
            torch.random.manual_seed(0);
            using var initial = new MaeModel(mae with { Seed = 0 });

            var entry = new JsonObject
            {
                ["weights"] = preset.EncoderWeights,
                ["probe_tiles"] = data.Count,
                ["tissue_share"] = Math.Round(data.TissueFraction.Count(f => f >= 0.5) / (double)data.Count, 3),
                ["dab_share_mean_on_tissue"] = Math.Round(data.DabFraction.Where((_, i) => data.TissueFraction[i] >= 0.5).Average(), 4),
                ["draw_seconds"] = Math.Round(drawSeconds, 1),
            };
            foreach (var (label, encoder) in new[] { ("pretrained", pretrained), ("random_init", initial.Encoder) })
            {
                var features = LinearProbe.PooledFeatures(encoder, data.Tiles);
                var node = new JsonObject();
                foreach (int? cap in new int?[] { null, 64 })
                {
                    var s = LinearProbe.Score(features, data, trainSlides: 14, maxTrainTiles: cap);
                    node[cap is null ? "all_train" : $"train_{cap}"] = new JsonObject
                    {
                        ["train_tiles"] = s.TrainTiles,
                        ["test_tiles"] = s.TestTiles,
                        ["tissue_accuracy"] = Math.Round(s.TissueAccuracy, 4),
                        ["dab_r2"] = Math.Round(s.DabR2, 4),
                        ["dab_spearman"] = Math.Round(s.DabSpearman, 4),
                    };
                }
                entry[label] = node;
            }
            result[name] = entry;
        }
        return result;
    }
}
