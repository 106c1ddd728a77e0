using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Encoders;
using VPTSurv.Model;
using VPTSurv.Survival;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// The Cpu preset's encoder throughput and one end-to-end training step (forward through the prompted frozen
/// encoder and decoder, backward to adaptors, sources and decoder, AdamW step) at N = 200 tiles, with achieved
/// GFLOP/s beside a GEMM GFLOP/s measured in the same run.
/// </summary>
internal static class EncoderBench
{
    private const int Tiles = 200;

    private static double Best(int repeats, Action action)
    {
        action(); // warm-up: allocator, kernels
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    [Benchmark("encoder")]
    public static JsonNode Run()
    {
        var preset = Preset.Cpu;
        var model = preset.BuildModel();
        var config = (SamViTConfig)preset.Encoder;
        int t = config.ImageSize;
        var gen = new Generator(7);
        using var tiles = randint(0, 256, [Tiles, 3, t, t], dtype: ScalarType.Byte, generator: gen);
        using var context = randint(0, 256, [Tiles, 3, t, t], dtype: ScalarType.Byte, generator: gen);

        double gemm = GemmBench.Gflops();

        double frozenSeconds = Best(3, () =>
        {
            using var scope = NewDisposeScope();
            model.FrozenFeatures(tiles);
        });
        double promptedSeconds = Best(3, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.EncodeTiles(new SlideInput(tiles, context));
        });

        model.train();
        var optimizer = optim.AdamW(model.TrainableParameters(), lr: preset.Training.LearningRate, weight_decay: preset.Training.WeightDecay);
        double stepSeconds = Best(2, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            // Risk stands in for the survival NLL: same graph through encoder and decoder, negligible own cost.
            var loss = DiscreteTimeHead.Risk(model.Forward(new SlideInput(tiles, context)));
            loss.backward();
            optimizer.step();
        });
        double gemmAfter = GemmBench.Gflops();

        double frozenFlops = Tiles * EncoderFlops.SamPerTile(config);
        double promptedFlops = frozenFlops + Tiles * EncoderFlops.PromptsPerTile(config, preset.Prompts);
        double forwardFlops = promptedFlops + EncoderFlops.Decoder(preset.Decoder, Tiles);
        // Backward needs input gradients through every frozen block (≈ the forward's matrix work) but no weight
        // gradients for frozen weights; the trainable parts need both (≈ 2x their forward).
        double trainableForward = forwardFlops - frozenFlops;
        double stepFlops = forwardFlops + frozenFlops + 2 * trainableForward;
        var report = model.CountParameters();
        double peak = Math.Max(gemm, gemmAfter);
        return new JsonObject
        {
            ["preset"] = preset.Name,
            ["tiles"] = Tiles,
            // Other processes on the machine share the cores; the GEMM figure is measured under the same load.
            ["load_average_1min"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a",
            ["tile_size"] = t,
            ["encoder"] = $"SAM-style ViT d {config.Width}, {config.Depth} blocks, patch {config.PatchSize}, window {config.WindowSize}, global [{string.Join(", ", config.GlobalBlocks)}]",
            ["prompt_sources"] = preset.Prompts.Sources.ToString(),
            ["trainable_params"] = report.Trainable,
            ["frozen_params"] = report.Frozen,
            ["gemm_fp32_gflops"] = Math.Round(gemm, 1),
            ["gemm_fp32_gflops_after"] = Math.Round(gemmAfter, 1),
            ["frozen_forward"] = new JsonObject
            {
                ["seconds"] = Math.Round(frozenSeconds, 4),
                ["tiles_per_s"] = Math.Round(Tiles / frozenSeconds, 1),
                ["gflop"] = Math.Round(frozenFlops / 1e9, 3),
                ["gflops"] = Math.Round(frozenFlops / frozenSeconds / 1e9, 1),
                ["fraction_of_gemm"] = Math.Round(frozenFlops / frozenSeconds / 1e9 / peak, 3),
            },
            ["prompted_forward"] = new JsonObject
            {
                ["seconds"] = Math.Round(promptedSeconds, 4),
                ["tiles_per_s"] = Math.Round(Tiles / promptedSeconds, 1),
                ["gflop"] = Math.Round(promptedFlops / 1e9, 3),
                ["gflops"] = Math.Round(promptedFlops / promptedSeconds / 1e9, 1),
                ["fraction_of_gemm"] = Math.Round(promptedFlops / promptedSeconds / 1e9 / peak, 3),
            },
            ["training_step"] = new JsonObject
            {
                ["seconds"] = Math.Round(stepSeconds, 4),
                ["tiles_per_s"] = Math.Round(Tiles / stepSeconds, 1),
                ["gflop_estimate"] = Math.Round(stepFlops / 1e9, 3),
                ["gflops"] = Math.Round(stepFlops / stepSeconds / 1e9, 1),
                ["fraction_of_gemm"] = Math.Round(stepFlops / stepSeconds / 1e9 / peak, 3),
                ["note"] = "forward + backward to adaptors/sources/decoder + AdamW; backward FLOPs estimated as input gradients through frozen blocks plus weight and input gradients of trainable parts",
            },
        };
    }
}
