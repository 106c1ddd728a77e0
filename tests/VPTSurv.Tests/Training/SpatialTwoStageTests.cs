using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Evaluation;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using Xunit.Abstractions;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The spatial baselines (PatchGCN: k-nn graph on positions; HVTSurv: windows of nearby tiles) train two-stage on
/// Smoke-sized planted-signal data (the planted tile source lays its candidates on a square grid), and two-stage
/// decoder training checkpoints and resumes exactly.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class SpatialTwoStageTests(ITestOutputHelper output)
{
    private static readonly Preset Planted = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 4, LearningRate = 2e-3 } };

    private static int Width => Preset.Smoke.Encoder.Width;

    public static TheoryData<string> Spatial() => new(["patchgcn", "hvtsurv"]);

    private static BagDecoder Make(string name) => name switch
    {
        "patchgcn" => new PatchGcn(PatchGcnConfig.Smoke(Width)),
        _ => new HvtSurv(HvtSurvConfig.Smoke(Width) with { TileSize = Preset.Smoke.Training.TileSize }),
    };

    [Theory]
    [MemberData(nameof(Spatial))]
    public void SpatialDecoderTrainsTwoStageAndFindsThePlantedSignal(string name)
    {
        var cohort = PlantedCohort.Create(train: 40, val: 10, test: 40, seed: 5);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var result = new TwoStagePipeline(Planted, new TrainerOptions { Source = PlantedCohort.Source(16) }).Fit(cohort, () => Make(name));
        var report = result.Evaluate(Split.Test, new EvaluationOptions(BootstrapResamples: 50));
        output.WriteLine($"{name}: test C {report.SlideC!.Estimate:F3}, best epoch {result.BestEpoch}, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.IsType(name == "patchgcn" ? typeof(PatchGcn) : typeof(HvtSurv), result.Decoder);
        Assert.Equal(4, result.History.Count);
        // The same bar as end-to-end on this cohort: the signal explains a hazard ratio of e^3 across its range.
        Assert.True(report.SlideC.Estimate > 0.65, $"{name}: test C {report.SlideC.Estimate:F3}");
    }

    [Fact]
    public void SpatialDecoderWithoutPositionsIsRefusedNamingTheSlide()
    {
        var cohort = PlantedCohort.Create(train: 3, val: 1, test: 1);
        // A source that drops the positions.
        Func<Cohort, IReadOnlyList<SlideRecord>, Preset, TileSource> noPositions = (c, s, p) =>
            new WithoutPositions(PlantedCohort.Source(9)(c, s, p));
        var e = Assert.Throws<ArgumentException>(() =>
            new TwoStagePipeline(Planted, new TrainerOptions { Source = noPositions }).Fit(cohort, () => Make("patchgcn")));
        Assert.Contains("needs tile positions", e.Message);
        Assert.Contains("'P000-S1'", e.Message);
        var wrongStep = Assert.Throws<ArgumentException>(() => new TwoStagePipeline(Planted, new TrainerOptions { Source = PlantedCohort.Source(9) })
            .Fit(cohort, () => new HvtSurv(HvtSurvConfig.Smoke(Width))));
        Assert.Contains("TileSize", wrongStep.Message);
    }

    [Fact]
    public void TwoEpochsInOneGoEqualOneEpochStopAndResumeForOneInANewPipeline()
    {
        var cohort = PlantedCohort.Create(train: 10, val: 6, test: 6);
        // Dropout on, two bags per step: the resumed run must restore torch's RNG and AdamW's moments to match.
        var preset = Planted with { Training = Planted.Training with { Epochs = 2, BagsPerStep = 2 } };
        Func<BagDecoder> make = () => new PatchGcn(PatchGcnConfig.Smoke(Width) with { Dropout = 0.25, LayerDropout = 0.1 });
        var dir = Directory.CreateTempSubdirectory("vptsurv-resume2-").FullName;
        try
        {
            var source = PlantedCohort.Source(12);
            using var whole = new TwoStagePipeline(preset, new TrainerOptions { Source = source, WorkDirectory = dir }).Fit(cohort, make);

            var ckpt = Path.Combine(dir, "decoder.ckpt");
            using (var first = new TwoStagePipeline(preset, new TrainerOptions { Source = source, WorkDirectory = dir, CheckpointPath = ckpt, StopAfterEpoch = 1 })
                       .Fit(cohort, make))
                Assert.False(first.Completed);
            var meta = TrainingCheckpoint.ReadMeta(ckpt);
            Assert.Equal((1, "two-stage/PatchGcn"), (meta.Epoch, meta.Method));
            using var resumed = new TwoStagePipeline(preset, new TrainerOptions { Source = source, WorkDirectory = dir, CheckpointPath = ckpt })
                .Resume(ckpt, cohort, make);

            Assert.True(resumed.Completed);
            Assert.Equal(2, resumed.History.Count);
            Assert.Equal(whole.History, resumed.History.Select((h, i) => h with { Seconds = whole.History[i].Seconds }).ToList());
            Assert.Equal(whole.BestEpoch, resumed.BestEpoch);
            var a = whole.Predict(Split.Test);
            var b = resumed.Predict(Split.Test);
            for (int i = 0; i < a.Count; i++)
                Assert.Equal(a[i].Logits, b[i].Logits); // bit-identical logits
            Assert.Equal(2, TrainingCheckpoint.ReadMeta(ckpt).Epoch);

            // Another decoder type, or an end-to-end trainer, is refused by name.
            var other = Assert.Throws<ArgumentException>(() => new TwoStagePipeline(preset, new TrainerOptions { Source = source, WorkDirectory = dir })
                .Resume(ckpt, cohort, () => new Abmil(AbmilConfig.Smoke(Width))));
            Assert.Contains("two-stage/PatchGcn", other.Message);
            var e2e = Assert.Throws<ArgumentException>(() => new EndToEndTrainer(preset, new TrainerOptions { Source = source }).Resume(ckpt, cohort));
            Assert.Contains("two-stage/PatchGcn", e2e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class WithoutPositions(TileSource inner) : TileSource
    {
        public override int CountOf(string slideId) => inner.CountOf(slideId);

        public override string Identity(string slideId) => "no-positions|" + inner.Identity(slideId);

        public override IEnumerable<TileBatch> Load(IEnumerable<TileRequest> requests)
        {
            foreach (var b in inner.Load(requests))
            {
                b.Positions?.Dispose();
                yield return b with { Positions = null };
            }
        }

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }
}
