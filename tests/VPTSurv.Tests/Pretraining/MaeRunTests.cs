using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Pretraining;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Pretraining;

// Initialisation seeds libtorch's process-wide generator: not beside other tests.
[Collection(nameof(VPTSurv.Tests.Model.GlobalTorchRng))]
public sealed class MaeRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vptsurv-mae-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The Smoke encoder on a small pool: a few seconds per run.
    private static MaeConfig Tiny(int steps) => MaeConfig.Smoke with
    {
        Steps = steps, WarmupSteps = 2, BatchSize = 16, Seed = 11,
        Tiles = MaeTileSource.Synthetic(slides: 2, tilesPerSlide: 16, tileSize: 32),
    };

    private static Dictionary<string, float[]> Weights(MaeResult r) =>
        r.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

    [Fact]
    public void ReconstructionLossFallsWellBelowItsStart()
    {
        using var r = new Owned(MaePretraining.Run(Tiny(60) with { LearningRate = 2e-3 }));
        Assert.Equal(60, r.Value.Losses.Count);
        Assert.True(r.Value.FinalLoss < 0.7 * r.Value.InitialLoss, $"loss {r.Value.InitialLoss:F3} -> {r.Value.FinalLoss:F3}");
    }

    [Fact]
    public void SameSeedGivesTheSameLossCurveAndWeights()
    {
        using var a = new Owned(MaePretraining.Run(Tiny(6)));
        using var b = new Owned(MaePretraining.Run(Tiny(6)));
        Assert.Equal(a.Value.Losses, b.Value.Losses);
        var wa = Weights(a.Value);
        var wb = Weights(b.Value);
        foreach (var (k, v) in wa) Assert.Equal(v, wb[k]);
        using var c = new Owned(MaePretraining.Run(Tiny(6) with { Seed = 12 }));
        Assert.NotEqual(a.Value.Losses, c.Value.Losses);
    }

    [Fact]
    public void ResumingFromACheckpointContinuesTheUnbrokenCurveExactly()
    {
        using var whole = new Owned(MaePretraining.Run(Tiny(8)));
        var prefix = Path.Combine(_dir, "ckpt", "mae");
        var first = Tiny(8) with { CheckpointPath = prefix, CheckpointEvery = 2, StopAfter = 5 };
        using (var _ = new Owned(MaePretraining.Run(first))) { }
        // The checkpoint after step 4 and the final one after step 5: only the latest pair of files is kept.
        Assert.Equal(["mae.json", "mae.step000005.optim", "mae.step000005.safetensors"],
            Directory.GetFiles(Path.Combine(_dir, "ckpt")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var resumed = new Owned(MaePretraining.Run(first with { StopAfter = null, Resume = true }));
        Assert.Equal(whole.Value.Losses, resumed.Value.Losses);
        var w = Weights(whole.Value);
        foreach (var (k, v) in Weights(resumed.Value)) Assert.Equal(w[k], v);
    }

    [Fact]
    public void ResumeRefusesACheckpointOfAnotherSeed()
    {
        var prefix = Path.Combine(_dir, "mae");
        using (var _ = new Owned(MaePretraining.Run(Tiny(2) with { CheckpointPath = prefix }))) { }
        var ex = Assert.Throws<InvalidDataException>(() => MaePretraining.Run(Tiny(4) with { Seed = 99, CheckpointPath = prefix, Resume = true }));
        Assert.Contains("seed", ex.Message);
        Assert.Contains("mae.json", ex.Message);
    }

    [Fact]
    public void WrittenWeightsLoadStrictlyIntoThePresetEncoderAndAreNeverOverwrittenUnasked()
    {
        var path = Path.Combine(_dir, "smoke-encoder.safetensors");
        using var r = new Owned(MaePretraining.Run(Tiny(2) with { OutputPath = path }));
        using var scope = NewDisposeScope();
        var encoder = Preset.Smoke.Encoder.Build();
        var report = CheckpointLoader.Load(encoder, path, CheckpointLayout.Sam);
        Assert.Equal(encoder.state_dict().Count, report.Loaded);
        var tiles = rand(2, 3, 32, 32) * 255;
        using (no_grad())
            Assert.True(encoder.forward(tiles).allclose(r.Value.Model.Encoder.forward(tiles), rtol: 0, atol: 0));
        Assert.Throws<IOException>(() => MaePretraining.Run(Tiny(2) with { OutputPath = path }));
    }

    [Fact]
    public void EveryStepReportsItsLossAndLearningRateInOrder()
    {
        var events = new List<MaeProgress>();
        var config = Tiny(4);
        using var r = new Owned(MaePretraining.Run(config, new Collect(events)));
        Assert.Equal([1, 2, 3, 4], events.Select(e => e.Step));
        Assert.All(events, e => Assert.Equal(4, e.Steps));
        Assert.Equal(r.Value.Losses, events.Select(e => e.Loss));
        Assert.Equal(Enumerable.Range(0, 4).Select(s => MaeSchedule.At(config, s)), events.Select(e => e.LearningRate));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.Second.Elapsed >= p.First.Elapsed));
    }

    [Fact]
    public void ATimmStyleEncoderPretrainsAndItsWeightsLoadIntoTheSameConfig()
    {
        // A user's own timm-style encoder (class token, registers, LayerScale, ImageNet statistics).
        var timm = new VPTSurv.Encoders.TimmViTConfig
        {
            ImageSize = 32, PatchSize = 8, Width = 32, Depth = 2, Heads = 2, RegisterTokens = 1, LayerScaleInit = 1e-5,
            Normalization = VPTSurv.Encoders.PixelNormalization.ImageNet,
        };
        var path = Path.Combine(_dir, "timm.safetensors");
        using var r = new Owned(MaePretraining.Run(Tiny(30) with { Encoder = timm, LearningRate = 2e-3, OutputPath = path }));
        Assert.True(r.Value.FinalLoss < 0.8 * r.Value.InitialLoss, $"loss {r.Value.InitialLoss:F3} -> {r.Value.FinalLoss:F3}");
        using var scope = NewDisposeScope();
        var encoder = timm.Build();
        var report = CheckpointLoader.Load(encoder, path, CheckpointLayout.Timm);
        Assert.Equal(encoder.state_dict().Count, report.Loaded);
    }

    [Fact]
    public void TheRandomInitialisationIsTheSameForTheSameSeedOnly()
    {
        // The probe baseline is MAE's initialisation at the run's seed: it must be what the run starts from.
        random.manual_seed(0);
        using var a = new MaeModel(MaeConfig.Smoke);
        random.manual_seed(0);
        using var b = new MaeModel(MaeConfig.Smoke);
        foreach (var (k, v) in a.state_dict()) Assert.True(v.eq(b.state_dict()[k]).all().item<bool>(), k);
        random.manual_seed(1);
        using var c = new MaeModel(MaeConfig.Smoke);
        Assert.False(a.state_dict()["encoder.blocks.0.attn.qkv.weight"].eq(c.state_dict()["encoder.blocks.0.attn.qkv.weight"]).all().item<bool>());
    }

    private sealed class Collect(List<MaeProgress> events) : IProgress<MaeProgress>
    {
        public void Report(MaeProgress value) => events.Add(value);
    }

    private sealed class Owned(MaeResult value) : IDisposable
    {
        public MaeResult Value { get; } = value;
        public void Dispose() => Value.Model.Dispose();
    }
}
