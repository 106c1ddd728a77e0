using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Slides;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// A NaN or infinite loss stops training at the step that produced it (not at the epoch's end), with an error naming
/// the epoch, the step and the slides of the step's bags; the checkpoint of the previous epoch is left as it was.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class NonFiniteStepTests
{
    [Fact]
    public void The_step_loop_stops_at_the_first_non_finite_loss_before_its_progress_and_the_epochs_end()
    {
        using var layer = nn.Linear(1, 1);
        using var optimizer = optim.SGD(layer.parameters(), 0.1);
        var progressed = new List<int>();
        var ended = new List<int>();
        var loop = new StepLoop
        {
            Trainer = "test",
            StepsPerEpoch = 3,
            Schedule = _ => 0.1,
            Optimizer = optimizer,
            Step = (global, _) => global == 4 ? double.PositiveInfinity : 1.0,
            StepInputs = (global, k) => $"input {global}/{k}",
            AfterStep = p => progressed.Add(p.Step),
            EndEpoch = epoch => { ended.Add(epoch); return EpochOutcome.Continue; },
        };
        var e = Assert.Throws<NonFiniteException>(() => loop.Run(0, 9));
        Assert.Contains("test: the training loss is ∞ at epoch 2, step 2 of 3 (step 5 of the run), on input 4/1;", e.Message.Replace("Infinity", "∞"));
        Assert.Equal([1, 2, 3, 4], progressed); // the bad step reports nothing
        Assert.Equal([1], ended); // epoch 2 never ended: nothing of it was checkpointed
    }

    /// <summary>Serves the planted tiles, but NaN tiles (float, which the encoder accepts) for one slide once armed.</summary>
    private sealed class PoisonedTileSource(TileSource inner, string slideId, Func<bool> armed, Action onPoison) : TileSource
    {
        public override int CountOf(string id) => inner.CountOf(id);

        public override string Identity(string id) => inner.Identity(id);

        public override IEnumerable<TileBatch> Load(IEnumerable<TileRequest> requests)
        {
            foreach (var b in inner.Load(requests))
            {
                if (b.SlideId != slideId || !armed()) { yield return b; continue; }
                onPoison();
                var nan = full(b.Tiles.shape, double.NaN, ScalarType.Float32); // (N, 3, T, T)
                var poisoned = new TileBatch(b.SlideId, nan, b.Context?.clone(), b.Positions?.clone());
                b.Dispose();
                yield return poisoned;
            }
        }

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }

    [Fact]
    public void End_to_end_stops_at_the_step_whose_bag_is_not_finite_naming_the_slide_and_keeps_the_previous_epochs_checkpoint()
    {
        var cohort = PlantedCohort.Create(train: 4, val: 2, test: 2);
        var target = cohort.SlidesIn(Split.Train).ElementAt(2).SlideId;
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 3 } };
        var dir = Directory.CreateTempSubdirectory("vptsurv-nan-step-").FullName;
        try
        {
            var ckpt = Path.Combine(dir, "run.ckpt");
            bool armed = false;
            byte[]? saved = null;
            var seen = new List<LoopProgress>();
            var options = new TrainerOptions
            {
                CheckpointPath = ckpt,
                // Armed after epoch 1's last step: epoch 1 trains and is checkpointed normally, epoch 2 meets the NaN bag.
                LoopProgress = new SyncProgress<LoopProgress>(p => { seen.Add(p); armed |= p.Epoch == 1 && p.StepInEpoch == p.StepsPerEpoch; }),
                Source = (c, slides, p) => new PoisonedTileSource(PlantedCohort.Source()(c, slides, p), target, () => armed,
                    () => saved ??= File.ReadAllBytes(ckpt)),
            };
            var e = Assert.Throws<NonFiniteException>(() => { using var _ = new EndToEndTrainer(preset, options).Fit(cohort); });

            int stepInEpoch2 = seen.Count(p => p.Epoch == 2) + 1;
            Assert.Contains($"end-to-end: the training loss is NaN at epoch 2, step {stepInEpoch2} of 4 (step {4 + stepInEpoch2} of the run), " +
                $"on the bag of slide '{target}';", e.Message);
            Assert.Equal(4 + stepInEpoch2 - 1, seen.Count); // no step after the bad one
            Assert.NotNull(saved);
            Assert.Equal(saved, File.ReadAllBytes(ckpt)); // epoch 1's checkpoint, byte for byte
            Assert.Equal(1, TrainingCheckpoint.ReadMeta(ckpt).Epoch);
            Assert.Equal(["run.ckpt"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The VPTSurv decoder, whose <c>PoisonAt</c>-th forward in training mode returns NaN logits.</summary>
    private sealed class PoisonedDecoder : BagDecoder
    {
        private readonly VPTSurvDecoder inner;
        private readonly int poisonAt;
        private int trainingForwards;

        public PoisonedDecoder(VPTSurvDecoderConfig config, int poisonAt) : base(nameof(PoisonedDecoder))
        {
            inner = new VPTSurvDecoder(config);
            this.poisonAt = poisonAt;
            RegisterComponents();
        }

        public override int InputDim => inner.InputDim;

        public override int Bins => inner.Bins;

        public override Tensor forward(VPTSurv.Decoders.Bag bag)
        {
            var logits = inner.forward(bag);
            return training && ++trainingForwards == poisonAt ? logits * double.NaN : logits;
        }
    }

    [Fact]
    public void Two_stage_stops_at_the_step_whose_decoder_loss_is_not_finite_naming_its_slides_and_keeps_the_previous_epochs_checkpoint()
    {
        var cohort = PlantedCohort.Create(train: 6, val: 2, test: 2);
        // 3 steps of 2 bags per epoch; the 9th training forward is the first bag of epoch 2's second step.
        var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 3, BagsPerStep = 2 } };
        var dir = Directory.CreateTempSubdirectory("vptsurv-nan-step-").FullName;
        try
        {
            var ckpt = Path.Combine(dir, "run.ckpt");
            var seen = new List<LoopProgress>();
            byte[]? saved = null;
            var options = new TrainerOptions
            {
                WorkDirectory = dir,
                CheckpointPath = ckpt,
                Source = PlantedCohort.Source(),
                LoopProgress = new SyncProgress<LoopProgress>(p => { seen.Add(p); if (p.Step == 4) saved = File.ReadAllBytes(ckpt); }),
            };
            var e = Assert.Throws<NonFiniteException>(() =>
            {
                using var _ = new TwoStagePipeline(preset, options).Fit(cohort, () => new PoisonedDecoder(preset.Decoder, poisonAt: 9));
            });

            // Epoch 2's slide order, as both trainers draw it (seeded by the preset's seed and the epoch).
            var order = cohort.SlidesIn(Split.Train).ToArray();
            new Random(TileSampling.SeedFor(preset.Training.Seed, 2, "slide order")).Shuffle(order);
            Assert.Contains("two-stage/PoisonedDecoder: the training loss is NaN at epoch 2, step 2 of 3 (step 5 of the run), " +
                $"on the bags of slides '{order[2].SlideId}', '{order[3].SlideId}';", e.Message);
            Assert.Equal([1, 2, 3, 4], seen.Select(p => p.Step));
            Assert.Equal(saved, File.ReadAllBytes(ckpt));
            Assert.Equal(1, TrainingCheckpoint.ReadMeta(ckpt).Epoch);
            Assert.Contains("so any checkpoint on disk is still the previous epoch's", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
