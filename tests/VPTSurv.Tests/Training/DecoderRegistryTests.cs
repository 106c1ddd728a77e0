using VPTSurv.Decoders;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The decoder registry: the six built-in decoders sized for each preset, a user's own decoder registered from outside
/// the library and trained by name, and the per-decoder training defaults applied to the preset the trainers use.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class DecoderRegistryTests
{
    [Theory]
    [InlineData("smoke")]
    [InlineData("cpu")]
    [InlineData("paper")]
    public void Every_built_in_decoder_is_its_declared_type_on_the_presets_width_bins_and_tile_step(string presetName)
    {
        var preset = Preset.ByName(presetName);
        Assert.Equal(DecoderRegistry.BuiltInNames, DecoderRegistry.Names.Take(6));
        foreach (var name in DecoderRegistry.BuiltInNames)
        {
            var entry = DecoderRegistry.Get(name);
            using var decoder = entry.Build(preset);
            Assert.IsType(entry.Type, decoder);
            Assert.Equal(preset.Encoder.Width, decoder.InputDim);
            Assert.Equal(preset.Training.Bins, decoder.Bins);
            // Only HVTSurv assumes a tile step, and it is the preset's tile size (positions are pixels at the target MPP).
            Assert.Equal(name == "hvtsurv" ? preset.Training.TileSize : null, decoder.CoordinateStep);
            Assert.Same(entry, DecoderRegistry.OfType(entry.Type));
        }
        // The baselines take the size of the preset's name: the Cpu ABMIL is not the Smoke one.
        using var smoke = (Abmil)DecoderRegistry.Get("abmil").Build(Preset.Smoke);
        using var cpu = (Abmil)DecoderRegistry.Get("abmil").Build(Preset.Cpu);
        Assert.Equal(AbmilConfig.Smoke(Preset.Smoke.Encoder.Width).HiddenDim, smoke.Config.HiddenDim);
        Assert.Equal(AbmilConfig.Cpu(Preset.Cpu.Encoder.Width).HiddenDim, cpu.Config.HiddenDim);
    }

    [Fact]
    public void Unknown_duplicate_and_mistyped_entries_are_refused_with_the_name()
    {
        var unknown = Assert.Throws<ArgumentException>(() => DecoderRegistry.Get("nosuch"));
        Assert.Contains("'nosuch'", unknown.Message);
        Assert.Contains("abmil", unknown.Message);
        var duplicate = Assert.Throws<ArgumentException>(() => DecoderRegistry.Register(DecoderRegistry.Get("abmil") with { DisplayName = "x" }));
        Assert.Contains("'abmil' is already registered", duplicate.Message);
        Assert.Throws<ArgumentException>(() => DecoderRegistry.Register(new DecoderEntry("Upper", "U", typeof(MeanPoolDecoder), p => new MeanPoolDecoder(1, 1))));
        Assert.Throws<ArgumentException>(() => DecoderRegistry.Register(new DecoderEntry("not-a-decoder", "N", typeof(string), p => new MeanPoolDecoder(1, 1))));
        var wrongType = new DecoderEntry("wrong-type", "W", typeof(Abmil), p => new MeanPoolDecoder(p.Encoder.Width, p.Training.Bins));
        var e = Assert.Throws<InvalidOperationException>(() => wrongType.Build(Preset.Smoke));
        Assert.Contains("MeanPoolDecoder", e.Message);
    }

    [Fact]
    public void A_users_decoder_registered_by_name_trains_two_stage_with_its_own_learning_rate()
    {
        var entry = new DecoderEntry("meanpool-registry-test", "Mean pool", typeof(MeanPoolDecoder), p => new MeanPoolDecoder(p.Encoder.Width, p.Training.Bins))
        {
            LearningRates = new Dictionary<string, double?> { ["smoke"] = 0.0123, ["cpu"] = null },
        };
        DecoderRegistry.Register(entry, replace: true);
        Assert.Contains("meanpool-registry-test", DecoderRegistry.Names);
        var found = DecoderRegistry.Get("MeanPool-Registry-Test");
        Assert.Same(entry, found);

        // The decoder's learning rate for the preset's name replaces the preset's; none (or null) keeps it.
        Assert.Equal(0.0123, found.TrainingPreset(Preset.Smoke).Training.LearningRate);
        Assert.Equal(Preset.Cpu.Training.LearningRate, found.TrainingPreset(Preset.Cpu).Training.LearningRate);
        Assert.Equal(Preset.Paper.Training.LearningRate, found.TrainingPreset(Preset.Paper).Training.LearningRate);
        Assert.Equal(Preset.Smoke with { Training = Preset.Smoke.Training with { LearningRate = 0.0123 } }, found.TrainingPreset(Preset.Smoke));

        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } };
        var options = new TrainerOptions { Source = PlantedCohort.Source(8) };
        var pipeline = new TwoStagePipeline(preset, found, options);
        Assert.Equal(0.0123, pipeline.Preset.Training.LearningRate);
        using var result = pipeline.Fit(PlantedCohort.Create(train: 4, val: 2, test: 2));
        Assert.IsType<MeanPoolDecoder>(result.Decoder);
        Assert.Equal(0.0123, result.Preset.Training.LearningRate);
        Assert.Equal(0.0123, new EndToEndTrainer(preset, found, options).Preset.Training.LearningRate);
    }
    [Fact]
    public void The_cli_trains_a_decoder_at_its_own_cpu_rate_unless_the_user_sets_one()
    {
        // The swept defaults (bench/results/cpu-seeds-diagnostics-2026-12-07): ABMIL and DeepAttnMISL at 1e-3 on the Cpu
        // preset, every other decoder at the preset's rate; Smoke and Paper keep the preset's rate for all.
        foreach (var (name, rate) in new[] { ("abmil", 1e-3), ("deepattnmisl", 1e-3), ("vptsurv", 2e-4), ("transmil", 2e-4), ("patchgcn", 2e-4), ("hvtsurv", 2e-4) })
        {
            var config = VPTSurv.Cli.Configuration.RunConfig.Resolve("cpu", null, [VPTSurv.Cli.Configuration.RunConfig.ParseAssignment($"bagDecoder=\"{name}\"")]);
            Assert.Equal(rate, config.Preset.Training.LearningRate);
            var paper = Preset.ByName("paper");
            Assert.Equal(paper.Training.LearningRate, DecoderRegistry.Get(name).TrainingPreset(paper).Training.LearningRate);
        }
        Assert.Equal(Preset.Smoke.Training.LearningRate, DecoderRegistry.Get("abmil").TrainingPreset(Preset.Smoke).Training.LearningRate);
        var explicitRate = VPTSurv.Cli.Configuration.RunConfig.Resolve("cpu", null,
            [VPTSurv.Cli.Configuration.RunConfig.ParseAssignment("bagDecoder=\"abmil\""), VPTSurv.Cli.Configuration.RunConfig.ParseAssignment("training.learningRate=5e-4")]);
        Assert.Equal(5e-4, explicitRate.Preset.Training.LearningRate);
    }

    [Fact]
    public void An_end_to_end_trainer_applies_the_decoders_training_defaults_unless_the_preset_already_holds_them()
    {
        // ABMIL trains at 1e-3 on the Cpu preset; a resolved config that already applied it (and perhaps the user's own
        // rate over it) is not overridden again.
        var abmil = DecoderRegistry.Get("abmil");
        Assert.Equal(1e-3, new EndToEndTrainer(Preset.Cpu, abmil).Preset.Training.LearningRate);
        var users = Preset.Cpu with { Training = Preset.Cpu.Training with { LearningRate = 5e-4 } };
        Assert.Equal(5e-4, new EndToEndTrainer(users, abmil, decoderDefaults: false).Preset.Training.LearningRate);
        Assert.Equal(1e-3, new EndToEndTrainer(users, abmil).Preset.Training.LearningRate);
    }
}
