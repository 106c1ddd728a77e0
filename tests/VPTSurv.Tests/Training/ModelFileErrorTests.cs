using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The model file refuses what it cannot trust, naming the file and the key: a truncated file, another format, a
/// missing or unknown key value, a preset other than the one saved, weights that do not fit; it never replaces a file
/// unless asked; and the preset JSON it stores reads back to the same preset.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class ModelFileErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vptsurv-modelfile-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("smoke")]
    [InlineData("cpu")]
    [InlineData("paper")]
    public void Every_presets_json_reads_back_to_the_same_preset(string name)
    {
        var preset = Preset.ByName(name);
        var json = PresetJson.Of(preset);
        var parsed = PresetJson.Parse(json, "test");
        Assert.Equal(json, PresetJson.Of(parsed));
        Assert.Equal(preset.Encoder.GetType(), parsed.Encoder.GetType());
    }

    [Fact]
    public void A_preset_json_with_an_unknown_encoder_type_or_field_is_refused()
    {
        var json = PresetJson.Of(Preset.Smoke);
        var e = Assert.Throws<InvalidDataException>(() => PresetJson.Parse(json.Replace("\"SamViTConfig\"", "\"OtherConfig\""), "m.safetensors"));
        Assert.Contains("m.safetensors", e.Message);
        Assert.Contains("OtherConfig", e.Message);
        Assert.Throws<InvalidDataException>(() => PresetJson.Parse("{\"Name\": 3}", "m.safetensors"));
    }

    [Fact]
    public void Saving_twice_needs_overwrite_and_a_damaged_or_foreign_file_names_the_file_and_key()
    {
        var path = Path.Combine(_dir, "model.safetensors");
        using (var result = Train())
        {
            result.Save(path);
            var again = Assert.Throws<IOException>(() => result.Save(path));
            Assert.Contains(path, again.Message);
            result.Save(path, overwrite: true);
        }
        var meta = SafeTensors.ReadMetadata(path);
        Assert.Equal(ModelFile.Format, meta[ModelFile.Keys.Format]);
        Assert.Equal("abmil", meta[ModelFile.Keys.Decoder]);
        Assert.Equal(TrainedModel.TwoStage, meta[ModelFile.Keys.Method]);

        // Truncated.
        var truncated = Path.Combine(_dir, "truncated.safetensors");
        File.WriteAllBytes(truncated, File.ReadAllBytes(path)[..20]);
        Assert.Contains(truncated, Assert.Throws<CheckpointFormatException>(() => ModelFile.Load(truncated)).Message);

        // Another format, a missing key, an unknown decoder, a bad standardisation: the message names the key.
        AssertRefused(meta, m => m[ModelFile.Keys.Format] = "vptsurv-model/99", "'format'");
        AssertRefused(meta, m => m.Remove(ModelFile.Keys.BinEdges), "'bin_edges'");
        AssertRefused(meta, m => m[ModelFile.Keys.Decoder] = "nosuch", "'decoder'");
        AssertRefused(meta, m => m[ModelFile.Keys.Method] = "sideways", "'method'");
        AssertRefused(meta, m => m[ModelFile.Keys.Standardization] = "{\"mean\": [1], \"scale\": [0]}", "'standardization'");
        AssertRefused(meta, m => m[ModelFile.Keys.Preset] = m[ModelFile.Keys.Preset].Replace("\"Epochs\":1", "\"Epochs\":\"x\""), "'preset'");

        // Another preset than the one saved.
        var other = Assert.Throws<CheckpointFormatException>(() => ModelFile.Load(path, Preset.Cpu));
        Assert.Contains("'preset'", other.Message);

        // Weights of another decoder under this header: the key that does not fit is named.
        var weights = Path.Combine(_dir, "weights.safetensors");
        using (var t = zeros(3))
            SafeTensors.Write(weights, new Dictionary<string, Tensor> { ["head.weight"] = t }, metadata: meta);
        var mismatch = Assert.Throws<CheckpointFormatException>(() => ModelFile.Load(weights));
        Assert.Contains(weights, mismatch.Message);
        Assert.Contains("head.weight", mismatch.Message);
    }

    private void AssertRefused(Dictionary<string, string> meta, Action<Dictionary<string, string>> change, string key)
    {
        var path = Path.Combine(_dir, $"changed-{Guid.NewGuid():N}.safetensors");
        var changed = new Dictionary<string, string>(meta);
        change(changed);
        using (var t = zeros(1))
            SafeTensors.Write(path, new Dictionary<string, Tensor> { ["x"] = t }, metadata: changed);
        var e = Assert.Throws<CheckpointFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(key, e.Message);
    }

    private static TrainingResult Train() =>
        new TwoStagePipeline(Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } }, DecoderRegistry.Get("abmil"),
            new TrainerOptions { Source = PlantedCohort.Source(8) }).Fit(PlantedCohort.Create(train: 4, val: 2, test: 2));
}
