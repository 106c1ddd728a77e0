using System.Security.Cryptography;
using System.Text.Json;
using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Pretraining;
using VPTSurv.Tests.Encoders;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Pretraining;

// Initialisation seeds libtorch's process-wide generator: not beside other tests.
[Collection(nameof(VPTSurv.Tests.Model.GlobalTorchRng))]
public class ShippedWeightsTests
{
    private static string Fixture(string file) => TestSetup.Fixture("pretraining", file);

    public static TheoryData<string> Presets => new() { "cpu", "smoke" };

    [Theory]
    [MemberData(nameof(Presets))]
    public void PresetsLoadTheShippedWeightsAndReproduceTheStoredOutputOfAFixedTile(string name)
    {
        using var scope = NewDisposeScope();
        var preset = Preset.ByName(name);
        var log = new List<string>();
        var model = preset.BuildModel(log.Add);
        Assert.Contains(log, l => l.Contains(preset.EncoderWeights!) && l.Contains($"{model.Backbone.state_dict().Count} tensors"));
        var stored = SafeTensors.Read(Fixture("shipped_outputs.safetensors"));
        using (no_grad())
        {
            var output = model.Backbone.forward(stored[$"{name}.input"]);
            Assert.True(ReferenceFixtures.MaxError(output, stored[$"{name}.output"]) < 1e-5,
                $"max error {ReferenceFixtures.MaxError(output, stored[$"{name}.output"])}");
        }
    }

    [Fact]
    public void ShippedFilesAreTheOnesTheFixtureWasMadeFrom()
    {
        var sha = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Fixture("shipped_outputs.json")))!;
        Assert.Equal([ShippedWeights.CpuName, ShippedWeights.SmokeName], ShippedWeights.Names);
        foreach (var file in ShippedWeights.Names)
        {
            Assert.Equal(sha[file], Convert.ToHexStringLower(SHA256.HashData(ShippedWeights.Read(file))));
            // The unpacked cache file holds the same bytes.
            Assert.Equal(ShippedWeights.Read(file), File.ReadAllBytes(ShippedWeights.PathOf(file)));
        }
        Assert.Equal(ShippedWeights.Cpu, Preset.Cpu.EncoderWeights);
        Assert.Equal(ShippedWeights.Smoke, Preset.Smoke.EncoderWeights);
        Assert.Contains("cpu-encoder.safetensors", Assert.Throws<FileNotFoundException>(() => ShippedWeights.Read("paper-encoder.safetensors")).Message);
    }

    [Fact]
    public void PresetsNameTheShippedEncoderBySymbolNotByThePathOnTheMachineThatWroteThem()
    {
        Assert.Equal("shipped:cpu-encoder", Preset.Cpu.EncoderWeights);
        Assert.Equal("shipped:smoke-encoder", Preset.Smoke.EncoderWeights);
        var json = System.Text.Json.Nodes.JsonNode.Parse(PresetJson.Of(Preset.Cpu))!;
        Assert.Equal("shipped:cpu-encoder", json["EncoderWeights"]!.GetValue<string>());
        Assert.DoesNotContain(ShippedWeights.PathOf(ShippedWeights.CpuName), PresetJson.Of(Preset.Cpu), StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveUnpacksAShippedSymbolLeavesAPathAloneAndNamesWhatIsShipped()
    {
        Assert.Equal(ShippedWeights.PathOf(ShippedWeights.CpuName), ShippedWeights.Resolve(ShippedWeights.Cpu));
        Assert.Equal(ShippedWeights.Read(ShippedWeights.SmokeName), File.ReadAllBytes(ShippedWeights.Resolve("shipped:smoke-encoder")));
        Assert.Equal("weights/sam_vit_b_01ec64.pth", ShippedWeights.Resolve("weights/sam_vit_b_01ec64.pth"));
        var e = Assert.Throws<FileNotFoundException>(() => ShippedWeights.Resolve("shipped:paper-encoder"));
        Assert.Contains("shipped:cpu-encoder", e.Message);
        Assert.Contains("shipped:smoke-encoder", e.Message);
    }

    [Fact]
    public void APresetPointedAtOtherWeightsLoadsThoseInstead()
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("vptsurv-weights-").FullName;
        try
        {
            random.manual_seed(5);
            var other = Preset.Smoke.Encoder.Build();
            var path = Path.Combine(dir, "other.safetensors");
            SafeTensors.Write(path, other.state_dict());
            var model = (Preset.Smoke with { EncoderWeights = path }).BuildModel();
            var tiles = rand(2, 3, 32, 32) * 255;
            using (no_grad())
            {
                Assert.True(model.Backbone.forward(tiles).allclose(other.forward(tiles), rtol: 0, atol: 0));
                Assert.False(model.Backbone.forward(tiles).allclose(Preset.Smoke.BuildModel().Backbone.forward(tiles), rtol: 0, atol: 1e-3));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PretrainingSettingsBuildThePresetsOwnEncoders()
    {
        Assert.Equal(Preset.Cpu.Encoder, MaeConfig.Cpu.Encoder);
        Assert.Equal(Preset.Smoke.Encoder, MaeConfig.Smoke.Encoder);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void ShippedWeightsSayHowTheyWereMade(string name)
    {
        // The safetensors header carries the run's description (format, objective, steps, seed, final loss).
        var bytes = ShippedWeights.Read($"{name}-encoder.safetensors");
        long headerLength = BitConverter.ToInt64(bytes, 0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var meta = header.RootElement.GetProperty("__metadata__");
        Assert.Equal(MaePretraining.WeightsFormat, meta.GetProperty("format").GetString());
        Assert.Equal("0", meta.GetProperty("seed").GetString());
        Assert.Equal(MaeConfig.ByName(name).Steps.ToString(), meta.GetProperty("steps").GetString());
        Assert.StartsWith("MAE, mask ratio 0.75", meta.GetProperty("objective").GetString());
    }
}
