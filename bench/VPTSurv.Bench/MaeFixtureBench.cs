using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Pretraining;
using VPTSurv.Runtime;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// Writes tests/VPTSurv.Tests/Fixtures/pretraining/shipped_outputs.safetensors: a fixed tile per preset (from a
/// synthetic pretraining slide, seed 777) and the patch tokens the shipped encoder gives it, and (in shipped_outputs.json) the weights' SHA-256.
/// Run once when the shipped weights change (<c>dotnet run -c Release --project bench/VPTSurv.Bench -- mae-fixture</c>);
/// the shipped-weights test then guards that presets keep loading them and reproducing these outputs.
/// </summary>
internal static class MaeFixtureBench
{
    [Benchmark("mae-fixture")]
    public static JsonNode Run()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "VPTSurv.sln")))
            root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("VPTSurv.sln not found above the benchmark.");
        var path = Path.Combine(root, "tests", "VPTSurv.Tests", "Fixtures", "pretraining", "shipped_outputs.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        var slide = SyntheticPretrainingSlides.Create(1, 777)[0];
        var result = new JsonObject { ["path"] = path };
        foreach (var (name, preset, file) in new[] { ("cpu", Preset.Cpu, ShippedWeights.CpuName), ("smoke", Preset.Smoke, ShippedWeights.SmokeName) })
        {
            int t = preset.Encoder.ImageSize;
            // Level 1 (1 µm/px, the presets' resolution), a region near the slide centre.
            var (w, h) = slide.LevelDimensions[1];
            var tile = slide.ReadRegion(w, h, 1, t, t);
            var input = tensor(tile.Pixels, [1, t, t, 3]).permute(0, 3, 1, 2).to(ScalarType.Float32).contiguous(); // (1, 3, T, T)
            var encoder = preset.Encoder.Build();
            CheckpointLoader.Load(encoder, preset.EncoderWeights!, preset.WeightsLayout);
            encoder.eval();
            using (no_grad())
                tensors[$"{name}.output"] = encoder.forward(input); // (1, n, d)
            tensors[$"{name}.input"] = input;
            metadata[$"{name}.sha256"] = Convert.ToHexStringLower(SHA256.HashData(ShippedWeights.Read(file)));
            result[name] = metadata[$"{name}.sha256"];
        }
        SafeTensors.Write(path, tensors, overwrite: true);
        AtomicFile.WriteAllText(Path.ChangeExtension(path, ".json"),
            new JsonObject { ["cpu-encoder.safetensors"] = metadata["cpu.sha256"], ["smoke-encoder.safetensors"] = metadata["smoke.sha256"] }.ToJsonString());
        return result;
    }
}
