using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;
using VPTSurv.Prompts;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>Activation checkpointing and the bf16 frozen encoder (TrainingSettings.ActivationCheckpointing / Precision).</summary>
[Collection(nameof(GlobalTorchRng))]
public class MemoryOptionsTests(ITestOutputHelper output)
{
    // Smoke with every prompt source that enters the adaptors: structure, scale and tabular (3 covariates).
    private static readonly Preset AllSources = Preset.Smoke with
    {
        Prompts = Preset.Smoke.Prompts with { Sources = PromptSources.Structure | PromptSources.Scale | PromptSources.Tabular, Covariates = 3 },
    };

    private static Preset With(bool checkpointing, Precision precision) => AllSources with
    {
        Training = AllSources.Training with { ActivationCheckpointing = checkpointing, Precision = precision },
    };

    /// <summary>Trainable gradients after two bags accumulated (as BagsPerStep = 2), from fixed inputs.</summary>
    private static Dictionary<string, Tensor> Gradients(Preset preset, bool caching, int microBatch = 3)
    {
        using var model = preset.BuildModel();
        using (no_grad())
        {
            // Up starts at zero, which would make every adaptor and prompt-source gradient zero and the comparison empty.
            var gen = new Generator(3);
            model.Encoder.Up.weight.copy_(randn(model.Encoder.Up.weight.shape, generator: gen) * 0.1);
        }
        var gen2 = new Generator(11);
        using var tiles = randint(0, 256, [8, 3, 32, 32], dtype: ScalarType.Byte, generator: gen2);
        using var context = randint(0, 256, [8, 3, 32, 32], dtype: ScalarType.Byte, generator: gen2);
        using var covariates = tensor(new[] { 0.5f, -1.2f, 2.0f }); // (C)
        model.train();
        model.zero_grad();
        EndToEndStep.Accumulate(model, new SlideInput(tiles, context, covariates), bin: 2, eventObserved: true, scale: 0.5, caching, microBatch);
        EndToEndStep.Accumulate(model, new SlideInput(tiles, context, covariates).Narrow(0, 5), bin: 1, eventObserved: false, scale: 0.5, caching, microBatch);
        return TrainingCheckpoint.Trainable(model).ToDictionary(p => p.Key, p => p.Value.grad!.detach().clone());
    }

    private static void Dispose(params Dictionary<string, Tensor>[] sets)
    {
        foreach (var t in sets.SelectMany(s => s.Values)) t.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CheckpointingGivesThePlainStepsGradients(bool gradientCaching)
    {
        var plain = Gradients(With(false, Precision.Float32), caching: false);
        var checkpointed = Gradients(With(true, Precision.Float32), gradientCaching);
        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        foreach (var prefix in new[] { "encoder.adaptors.", "encoder.tile.", "encoder.structure.", "encoder.scale.", "encoder.tabular.", "encoder.up.", "decoder." })
        {
            Assert.Contains(plain.Keys, k => k.StartsWith(prefix, StringComparison.Ordinal));
            // Not vacuous: every prompt source, the adaptors and Up do receive gradient through the blocks.
            double largest = plain.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Max(p => p.Value.abs().max().item<float>());
            Assert.True(largest > 1e-6, $"{prefix}*: no gradient in the plain step");
        }
        foreach (var (key, g) in plain)
        {
            double diff = (g - checkpointed[key]).abs().max().item<float>();
            Assert.True(diff <= 1e-5, $"{key}: max |plain - checkpointed| = {diff:E2}");
        }
        Dispose(plain, checkpointed);
    }

    [Fact]
    public void CheckpointingIsOnlyActiveWhileAGraphIsBuiltAndLeavesOutputsUnchanged()
    {
        using var plain = With(false, Precision.Float32).BuildModel();
        using var checkpointed = With(true, Precision.Float32).BuildModel();
        Assert.True(checkpointed.Encoder.GradCheckpointing);
        Assert.False(plain.Encoder.GradCheckpointing);
        var gen = new Generator(5);
        using var tiles = randint(0, 256, [4, 3, 32, 32], dtype: ScalarType.Byte, generator: gen);
        using var context = randint(0, 256, [4, 3, 32, 32], dtype: ScalarType.Byte, generator: gen);
        using var covariates = tensor(new[] { 1f, 0f, -1f });
        using var a = plain.EncodeTiles(new SlideInput(tiles, context, covariates));
        using var b = checkpointed.EncodeTiles(new SlideInput(tiles, context, covariates));
        Assert.True(b.requires_grad); // the checkpointed blocks are part of the graph
        Assert.Equal(0f, (a - b).abs().max().item<float>()); // the same computation, without storing the blocks' activations
    }

    [Fact]
    public void Bf16GradientsAgreeWithFp32AndTrainableParametersStayFp32()
    {
        var fp32 = Gradients(With(false, Precision.Float32), caching: false);
        var bf16 = Gradients(With(false, Precision.BFloat16), caching: false);
        var bf16Checkpointed = Gradients(With(true, Precision.BFloat16), caching: false);
        var bf16Cached = Gradients(With(true, Precision.BFloat16), caching: true); // other micro-batch shapes: other bf16 roundings
        double worst = 1, worstCached = 1, worstCheckpointDiff = 0;
        foreach (var (key, g) in fp32)
        {
            Assert.Equal(ScalarType.Float32, bf16[key].dtype); // gradients (and so AdamW's moments) in fp32
            if (g.norm().item<float>() < 1e-8) continue; // a parameter without gradient in fp32 has no direction to compare
            double cos = nn.functional.cosine_similarity(g.flatten(), bf16[key].flatten(), dim: 0).item<float>();
            double cosCached = nn.functional.cosine_similarity(g.flatten(), bf16Cached[key].flatten(), dim: 0).item<float>();
            worst = Math.Min(worst, cos);
            worstCached = Math.Min(worstCached, cosCached);
            Assert.True(cos > 0.99, $"{key}: cosine(fp32, bf16) = {cos:F5}");
            Assert.True(cosCached > 0.99, $"{key}: cosine(fp32, bf16 checkpointed + cached) = {cosCached:F5}");
            // Checkpointing recomputes the same bf16 block on the same batch: the plain bf16 step's gradients, to fp32 rounding.
            double diff = (bf16[key] - bf16Checkpointed[key]).abs().max().item<float>() / Math.Max(1e-6, bf16[key].abs().max().item<float>());
            worstCheckpointDiff = Math.Max(worstCheckpointDiff, diff);
            Assert.True(diff <= 1e-5, $"{key}: bf16 plain vs bf16 checkpointed differ by {diff:E2} (relative to the largest entry)");
        }
        output.WriteLine($"worst per-parameter cosine(fp32, bf16) = {worst:F5}; with checkpointing + gradient caching = {worstCached:F5}; "
            + $"bf16 checkpointed vs plain: max relative difference {worstCheckpointDiff:E2}");

        using var model = With(false, Precision.BFloat16).BuildModel();
        Assert.Equal(ScalarType.BFloat16, model.Encoder.FrozenType);
        // Every weight that computes (patch embedding, blocks) is bf16; only the position table, added once, stays fp32.
        Assert.All(model.Backbone.named_parameters().Where(p => p.name != "pos_embed"), p => Assert.Equal(ScalarType.BFloat16, p.parameter.dtype));
        Assert.Contains(model.Backbone.named_parameters(), p => p.name.StartsWith("blocks.1.mlp.", StringComparison.Ordinal));
        Assert.All(model.TrainableParameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.DoesNotContain(model.Backbone.parameters(), p => p.requires_grad);
        Dispose(fp32, bf16, bf16Checkpointed, bf16Cached);
    }

    [Fact]
    public void TimmStyleEncoderWithPrefixTokensRunsCheckpointedAndInBf16()
    {
        // A timm ViT (cls + register tokens, LayerScale, final norm): prefix tokens and its own parameters stay fp32
        // while the blocks run in bf16; checkpointing must handle its (N, prefix + n, d) state the same way.
        var timm = new VPTSurv.Encoders.TimmViTConfig
        {
            ImageSize = 32, PatchSize = 8, Width = 32, Depth = 2, Heads = 2, RegisterTokens = 2, LayerScaleInit = 0.1,
            Normalization = VPTSurv.Encoders.PixelNormalization.Sam,
        };
        var config = new VPTSurv.Model.VPTSurvModelConfig(timm, new PromptConfig(PromptSources.Structure, Width: 8), Preset.Smoke.Decoder);
        var gen = new Generator(9);
        using var tiles = randint(0, 256, [3, 3, 32, 32], dtype: ScalarType.Byte, generator: gen);
        Tensor Run(bool checkpointing, bool bf16, out Tensor upGrad)
        {
            random.manual_seed(4);
            using var model = new VPTSurv.Model.VPTSurvModel(config);
            using (no_grad()) model.Encoder.Up.weight.copy_(randn(model.Encoder.Up.weight.shape, generator: new Generator(2)) * 0.1);
            if (bf16) model.Encoder.SetFrozenPrecision(ScalarType.BFloat16);
            model.Encoder.GradCheckpointing = checkpointing;
            var tokens = model.EncodeTiles(new SlideInput(tiles)); // (3, d)
            tokens.square().sum().backward();
            upGrad = model.Encoder.Up.weight.grad!.detach().clone();
            return tokens.detach();
        }
        using var plain = Run(false, false, out var g0);
        using var checkpointed = Run(true, false, out var g1);
        using var bf16 = Run(true, true, out var g2);
        Assert.Equal(ScalarType.Float32, bf16.dtype);
        Assert.True((plain - checkpointed).abs().max().item<float>() <= 1e-6);
        Assert.True((g0 - g1).abs().max().item<float>() <= 1e-5, "checkpointed Up gradient differs");
        Assert.True(g0.abs().max().item<float>() > 1e-6, "Up got no gradient");
        double cos = nn.functional.cosine_similarity(g0.flatten(), g2.flatten(), dim: 0).item<float>();
        output.WriteLine($"timm: cosine(fp32, bf16) of Up's gradient = {cos:F5}");
        Assert.True(cos > 0.99, $"cosine(fp32, bf16) of Up's gradient = {cos:F5}");
        foreach (var g in new[] { g0, g1, g2 }) g.Dispose();
    }

    [Fact]
    public void ShortBf16CheckpointedTrainingRunHasFiniteLossesAndFlatTensorCount()
    {
        var preset = Preset.Smoke with
        {
            Training = Preset.Smoke.Training with
            {
                Epochs = 2, GradientCaching = true, MicroBatch = 3, ActivationCheckpointing = true, Precision = Precision.BFloat16,
            },
        };
        var cohort = PlantedCohort.Create(train: 12, val: 4, test: 4);
        var live = new List<long>();
        var losses = new List<double>();
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Phase != "train") return;
            losses.Add(p.Loss);
            if (live.Count == 2)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }
            if (p.Epoch == 1) live.Add(Tensor.TotalCount);
        });
        using var result = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source() }).Fit(cohort, progress);
        Assert.Equal(24, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0, $"loss {l}"));
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.TrainLoss)));
        // The checkpoint function's saved inputs and returned gradients are all released: nothing accumulates per step.
        var settled = live.Skip(2).ToList();
        Assert.True(settled.Max() - settled.Min() == 0, $"live tensors over steps 3..12: {string.Join(", ", settled)}");
        Assert.All(result.Predict(VPTSurv.Data.Split.Test), p => Assert.All(p.Logits, l => Assert.True(double.IsFinite(l))));
    }

    [Fact]
    public void ConfigAndCommandLineReachBothOptionsAndRecordThem()
    {
        var cfg = RunConfig.Resolve("smoke", null,
            [RunConfig.ParseAssignment("training.activationCheckpointing=true"), RunConfig.ParseAssignment("training.precision=bf16")]);
        Assert.True(cfg.Preset.Training.ActivationCheckpointing);
        Assert.Equal(Precision.BFloat16, cfg.Preset.Training.Precision);
        Assert.Equal("bf16", cfg.Resolved["training"]!["precision"]!.GetValue<string>());
        Assert.True(cfg.Resolved["training"]!["activationCheckpointing"]!.GetValue<bool>());
        // The echoed config gives the same run back.
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, cfg.Resolved.ToJsonString());
            Assert.Equal(cfg.Preset.Training, RunConfig.Resolve(null, file, []).Preset.Training);
        }
        finally { File.Delete(file); }
        // Checkpoints store the preset JSON and refuse to resume with another: both options are part of it.
        var json = PresetJson.Of(cfg.Preset);
        Assert.Contains("\"ActivationCheckpointing\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"Precision\":\"bf16\"", json, StringComparison.Ordinal);
        Assert.Equal("fp32", RunConfig.Resolve("smoke", null, []).Resolved["training"]!["precision"]!.GetValue<string>());
        Assert.Equal(Precision.Float32, RunConfig.Resolve("smoke", null, [KeyValuePair.Create("training.precision", (JsonNode?)"Float32")]).Preset.Training.Precision);
    }

    [Theory]
    [InlineData("training.precision=fp16", "training.precision", "fp16")]
    [InlineData("training.precision=3", "training.precision", "bf16")]
    [InlineData("training.activationCheckpointing=\"yes\"", "training.activationCheckpointing", "")]
    public void BadValuesNameTheKeyAndWhatWasExpected(string assignment, string key, string mentioned)
    {
        var e = Assert.Throws<CliInputException>(() => RunConfig.Resolve("smoke", null, [RunConfig.ParseAssignment(assignment)]));
        output.WriteLine(e.Message);
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(mentioned, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrecisionNamesParseAndUnknownOnesThrow()
    {
        Assert.Equal(Precision.BFloat16, PrecisionExtensions.Parse("BF16"));
        Assert.Equal(Precision.BFloat16, PrecisionExtensions.Parse("bfloat16"));
        Assert.Equal(Precision.Float32, PrecisionExtensions.Parse("fp32"));
        var e = Assert.Throws<ArgumentException>(() => PrecisionExtensions.Parse("half"));
        Assert.Contains("'half'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (Preset.Smoke.Training with { Precision = (Precision)7 }).Validate());
        using var model = Preset.Smoke.BuildModel();
        Assert.Throws<ArgumentException>(() => model.Encoder.SetFrozenPrecision(ScalarType.Int32));
    }
}
