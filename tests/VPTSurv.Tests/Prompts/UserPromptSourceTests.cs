using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Tests.Architecture.Examples;
using VPTSurv.Tests.Model;
using VPTSurv.Tests.Training;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Prompts;

/// <summary>
/// A prompt source outside the library that reads the tiles' positions: a fixed (untrained) sinusoidal code of each
/// tile's x + y, one token of width r per tile.
/// </summary>
public sealed class PositionSource(int promptWidth) : PromptSource(nameof(PositionSource))
{
    public override SlideInputParts Needs => SlideInputParts.Positions;

    public override Tensor forward(PromptContext input)
    {
        using var scope = NewDisposeScope();
        var xy = input.Input.Positions!.to(ScalarType.Float32).to(input.NormalizedTiles.device); // (N, 2)
        var frequencies = arange(1, promptWidth + 1, dtype: ScalarType.Float32, device: xy.device) / 1000; // (r)
        return (xy.sum(1, keepdim: true) * frequencies).sin().unsqueeze(1).MoveToOuterDisposeScope(); // (N, 1, r)
    }
}

/// <summary>
/// Prompt sources are modules in a list, looked up by name in <see cref="PromptSourceRegistry"/>: a user registers a
/// source written outside the library and names it in <see cref="PromptConfig.Extra"/>, and the prompted encoder wires
/// it to the adaptors like the paper's sources (its tokens become keys and values; its weights train; its needs reach
/// the pipeline; it is saved and reloaded with the model). The paper's models are unchanged by the registry.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class UserPromptSourceTests
{
    static UserPromptSourceTests()
    {
        // The same registration as the docs/ARCHITECTURE.md example (which these tests share the source type with).
        PromptSourceRegistry.Register(new PromptSourceEntry("mean-colour", typeof(MeanColourPrompt), SlideInputParts.None, s => new MeanColourPrompt(s.Width)), replace: true);
        PromptSourceRegistry.Register(new PromptSourceEntry("position", typeof(PositionSource), SlideInputParts.Positions, s => new PositionSource(s.Width)), replace: true);
    }

    private static Preset With(params string[] extra) =>
        Preset.Smoke with { Prompts = Preset.Smoke.Prompts with { Extra = extra } };

    private static Tensor Tiles(long n, int t, int seed) =>
        randint(0, 256, [n, 3, t, t], dtype: ScalarType.Byte, generator: new Generator((ulong)seed));

    [Fact]
    public void A_registered_user_source_is_built_by_name_after_the_papers_sources_and_trains()
    {
        using var scope = NewDisposeScope();
        var preset = With("mean-colour");
        using var model = preset.BuildModel();
        Assert.Equal(["structure", "scale", "mean-colour"], model.Encoder.SourceNames);
        Assert.IsType<MeanColourPrompt>(model.Encoder.Sources[^1]);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("encoder.mean-colour.proj.weight", names);
        Assert.Equal(3 * preset.Prompts.Width + preset.Prompts.Width,
            model.named_parameters().Where(p => p.name.StartsWith("encoder.mean-colour.", StringComparison.Ordinal)).Sum(p => p.parameter.numel()));

        // Wired: with Up non-zero the source's weights change the encoder's output, and a backward reaches them.
        using (no_grad()) model.Encoder.Up.weight!.normal_(0, 0.1);
        int t = preset.Encoder.ImageSize;
        var input = new SlideInput(Tiles(3, t, 1), Tiles(3, t, 2));
        model.EncodeTiles(input).sum().backward();
        var grad = model.named_parameters().Single(p => p.name == "encoder.mean-colour.proj.weight").parameter.grad;
        Assert.NotNull(grad);
        Assert.True(grad!.abs().sum().item<float>() > 0);
        using var _ = no_grad();
        var before = model.EncodeTiles(input);
        model.named_parameters().Single(p => p.name == "encoder.mean-colour.proj.bias").parameter.add_(1.0);
        Assert.True((model.EncodeTiles(input) - before).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void Adding_a_user_source_leaves_the_other_parts_initial_weights_unchanged()
    {
        using var scope = NewDisposeScope();
        using var plain = Preset.Smoke.BuildModel();
        using var extended = With("mean-colour").BuildModel();
        var extra = extended.state_dict();
        foreach (var (key, value) in plain.state_dict())
            Assert.True(value.allclose(extra[key], rtol: 0, atol: 0), $"{key} differs once a user source is added");
        Assert.Equal(plain.state_dict().Count + 2, extra.Count);
    }

    [Fact]
    public void The_sources_needs_reach_the_input_check_and_the_pipeline()
    {
        using var scope = NewDisposeScope();
        var preset = With("position");
        Assert.Equal(SlideInputParts.Context | SlideInputParts.Positions, preset.Prompts.Needs);
        using var model = preset.BuildModel();
        Assert.Equal(preset.Prompts.Needs, model.Needs);
        int t = preset.Encoder.ImageSize;
        var missing = Assert.Throws<ArgumentException>(() => model.EncodeTiles(new SlideInput(Tiles(2, t, 1), Tiles(2, t, 2))));
        Assert.Contains("position prompt source needs the slide input's tile positions", missing.Message);
        var positions = tensor(new float[] { 0, 0, 32, 0 }, [2, 2]);
        Assert.Equal(new long[] { 2, preset.Encoder.Width }, model.EncodeTiles(new SlideInput(Tiles(2, t, 1), Tiles(2, t, 2), Positions: positions)).shape);
    }

    [Fact]
    public void A_model_with_a_user_source_is_saved_and_reloaded_by_name()
    {
        var extended = With("mean-colour");
        var preset = extended with { Training = extended.Training with { Epochs = 1 } };
        var cohort = PlantedCohort.Create(train: 4, val: 2, test: 3);
        var dir = Directory.CreateTempSubdirectory("vptsurv-user-source-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            IReadOnlyList<SlidePrediction> before;
            using (var result = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = Path.Combine(dir, "train") }).Fit(cohort))
            {
                before = result.Predict(Split.Test);
                result.Save(path);
            }
            using var loaded = ModelFile.Load(path);
            Assert.Equal(["mean-colour"], loaded.Preset.Prompts.Extra!);
            Assert.IsType<MeanColourPrompt>(loaded.Model!.Encoder.Sources[^1]);
            var after = loaded.Predict(cohort, Split.Test, new TrainerOptions { Source = PlantedCohort.Source(8), WorkDirectory = Path.Combine(dir, "predict") });
            for (int i = 0; i < before.Count; i++)
                Assert.Equal(before[i].Logits, after[i].Logits);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Unknown_duplicate_and_reserved_names_are_refused_with_the_known_names()
    {
        var unknown = Assert.Throws<ArgumentException>(() => With("no-such-source").Prompts.Validate());
        Assert.Contains("Unknown prompt source 'no-such-source'", unknown.Message);
        Assert.Contains("structure, scale, tabular", unknown.Message);
        Assert.Contains("switch it on with Sources", Assert.Throws<ArgumentException>(() => With("scale").Prompts.Validate()).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => With("mean-colour", "mean-colour").Prompts.Validate()).Message);
        foreach (var taken in new[] { "up", "adaptors", "structure" })
            Assert.Throws<ArgumentException>(() => PromptSourceRegistry.Register(
                new PromptSourceEntry(taken, typeof(MeanColourPrompt), SlideInputParts.None, s => new MeanColourPrompt(s.Width))));
        var lying = new PromptSourceEntry("lying", typeof(PositionSource), SlideInputParts.None, s => new PositionSource(s.Width));
        Assert.Contains("reads Positions", Assert.Throws<InvalidOperationException>(() => lying.Build(new PromptSourceShape(96, 8, Preset.Smoke.Prompts))).Message);
    }

    [Fact]
    public void The_papers_presets_write_no_extra_sources_so_their_run_and_cache_keys_stay()
    {
        Assert.DoesNotContain("Extra", PresetJson.Of(Preset.Cpu));
        // Exactly the fields the presets wrote before prompt sources became modules (derived members such as Needs are
        // not written): the keys of runs stored, features cached and checkpoints written before stay valid.
        Assert.Contains("\"Prompts\":{\"Sources\":\"StructureScale\",\"Width\":12,\"Tau\":0.25,\"Heads\":2,\"Covariates\":0}", PresetJson.Of(Preset.Cpu));
        Assert.Equal(Preset.Cpu.Prompts, Preset.Cpu.Prompts with { Extra = [] });
        Assert.NotEqual(Preset.Cpu.Prompts, Preset.Cpu.Prompts with { Extra = ["mean-colour"] });
        Assert.Equal((Preset.Cpu.Prompts with { Extra = ["mean-colour"] }).GetHashCode(), (Preset.Cpu.Prompts with { Extra = new List<string> { "mean-colour" } }).GetHashCode());
    }
}
