using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Model;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// Makes tests/VPTSurv.Tests/Fixtures/twin: exports the Cpu-preset model's weights (all but the frozen ViT, which is
/// the shipped src/VPTSurv/Weights/cpu-encoder.safetensors) to <c>cpu_weights.safetensors</c>, with Up drawn non-zero
/// (so the prompts change the tokens) and the standardiser fitted on the fixture tiles, then has the PyTorch twin load
/// them and write what it computes on the deterministic tiles to <c>cpu_twin_outputs.safetensors</c>.
/// <c>dotnet run -c Release --project bench/VPTSurv.Bench -- twin-fixture</c>; rerun when the model changes on purpose.
/// </summary>
internal static class TwinFixtureBench
{
    public const int Tiles = 4;

    /// <summary>Parameters whose gradients the fixture holds (one per trainable part).</summary>
    public static readonly string[] Gradients =
    [
        "encoder.up.weight", "encoder.tile.down.weight", "encoder.structure.proj.weight", "encoder.scale.proj.weight",
        "encoder.adaptors.0.attn.kv_proj.weight", "encoder.adaptors.3.mlp.weight", "decoder.proj.weight",
        "decoder.layers.1.cross_attn.q_proj.weight", "decoder.queries", "decoder.head.weight",
    ];

    /// <summary>(n, 3, T, T) uint8 from an LCG of the flat index (twin.py's deterministic_tiles).</summary>
    public static Tensor DeterministicTiles(int n, int tile, long offset)
    {
        using var scope = NewDisposeScope();
        var i = arange(offset, offset + (long)n * 3 * tile * tile, dtype: ScalarType.Int64);
        return (i * 1103515245L + 12345L).div(65536L, rounding_mode: RoundingMode.floor).remainder(256L)
            .to(ScalarType.Byte).view(n, 3, tile, tile).MoveToOuterDisposeScope();
    }

    [Benchmark("twin-fixture")]
    public static JsonNode Run()
    {
        if (PyTorchTwin.Missing() is { } why) return new JsonObject { ["skipped"] = why };
        var root = PyTorchTwin.RepoRoot();
        var dir = Path.Combine(root, "tests", "VPTSurv.Tests", "Fixtures", "twin");
        Directory.CreateDirectory(dir);
        var weights = Path.Combine(dir, "cpu_weights.safetensors");
        var outputs = Path.Combine(dir, "cpu_twin_outputs.safetensors");

        using var scope = NewDisposeScope();
        var preset = Preset.Cpu;
        using var model = preset.BuildModel();
        int t = preset.Training.TileSize;
        var tiles = DeterministicTiles(Tiles, t, 0);
        using (no_grad())
        {
            var gen = new Generator(18);
            model.Encoder.Up.weight!.copy_(randn(model.Encoder.Up.weight.shape, generator: gen) * 0.05);
            model.Encoder.Up.bias!.copy_(randn(model.Encoder.Up.bias.shape, generator: gen) * 0.05);
            model.Standardizer.Set(FeatureStandardization.Fit([model.FrozenFeatures(tiles)]));
        }
        var state = model.state_dict().Where(kv => !kv.Key.StartsWith("encoder.vit.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        SafeTensors.Write(weights, state, overwrite: true,
            metadata: new Dictionary<string, string> { ["made_by"] = "bench twin-fixture", ["preset"] = "cpu", ["up_seed"] = "18" });

        var config = new JsonObject
        {
            ["mode"] = "parity", ["n"] = Tiles, ["weights"] = weights, ["out"] = outputs,
            ["encoder_weights"] = Path.Combine(root, "src", "VPTSurv", "Weights", "cpu-encoder.safetensors"),
            ["gradients"] = new JsonArray(Gradients.Select(g => (JsonNode)g).ToArray()),
        };
        var result = PyTorchTwin.Run(config, 1);
        result["weights"] = weights;
        result["weight_tensors"] = state.Count;
        return result;
    }
}
