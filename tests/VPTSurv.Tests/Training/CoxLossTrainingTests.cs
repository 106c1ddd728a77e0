using System.IO.Compression;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Survival;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The memory-bank Cox loss (<c>training.loss = CoxMemoryBank</c>) in end-to-end training as in two-stage, and the
/// bank in the training checkpoint: 2 epochs in one go equal 1 epoch + stop + resume, bit for bit, because the
/// resumed run starts from the saved bank (a checkpoint with its bank removed does not reproduce the run).
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class CoxLossTrainingTests
{
    private static readonly Preset Cox = Preset.Smoke with
    {
        Training = Preset.Smoke.Training with
        {
            Epochs = 2, BagsPerStep = 2, GradientCaching = true, MicroBatch = 4, Loss = SurvivalLossKind.CoxMemoryBank, CoxMemory = 6,
        },
    };

    private static double[][] TestLogits(TrainingResult r) => [.. r.Predict(Split.Test).Select(p => p.Logits)];

    [Fact]
    public void End_to_end_training_with_the_cox_loss_takes_finite_steps_and_fills_the_bank()
    {
        var cohort = PlantedCohort.Create(train: 10, val: 6, test: 6);
        var dir = Directory.CreateTempSubdirectory("vptsurv-coxe2e-").FullName;
        try
        {
            var source = PlantedCohort.Source();
            var oneEpoch = Cox with { Training = Cox.Training with { Epochs = 1 } };
            var ckpt = Path.Combine(dir, "run.ckpt");
            using var cox = new EndToEndTrainer(oneEpoch, new TrainerOptions { Source = source, CheckpointPath = ckpt }).Fit(cohort);
            Assert.True(double.IsFinite(cox.History[0].TrainLoss) && cox.History[0].TrainLoss > 0, $"train loss {cox.History[0].TrainLoss}");
            // The bank holds the last 6 training slides of the epoch (capacity 6 of 10), with their times and events.
            var bank = TrainingCheckpoint.ReadMeta(ckpt).CoxMemory!;
            Assert.Equal(6, bank.Count);
            var train = cohort.Slides.Where(s => s.Split == Split.Train).ToList();
            Assert.All(bank, e => Assert.Contains(train, s => s.Time == e.Time && s.EventObserved == e.Event));
            Assert.All(bank, e => Assert.True(double.IsFinite(e.Risk)));

            // The loss is used: the same run with the discrete-time NLL ends elsewhere.
            var nll = oneEpoch with { Training = oneEpoch.Training with { Loss = SurvivalLossKind.DiscreteTimeNll } };
            using var other = new EndToEndTrainer(nll, new TrainerOptions { Source = source }).Fit(cohort);
            Assert.NotEqual(TestLogits(cox), TestLogits(other));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void End_to_end_cox_training_resumes_exactly_with_the_saved_memory_bank()
    {
        var cohort = PlantedCohort.Create(train: 10, val: 6, test: 6);
        var dir = Directory.CreateTempSubdirectory("vptsurv-coxresume-").FullName;
        try
        {
            var source = PlantedCohort.Source();
            using var whole = new EndToEndTrainer(Cox, new TrainerOptions { Source = source }).Fit(cohort);

            var ckpt = Path.Combine(dir, "run.ckpt");
            using (var first = new EndToEndTrainer(Cox, new TrainerOptions { Source = source, CheckpointPath = ckpt, StopAfterEpoch = 1 }).Fit(cohort))
                Assert.False(first.Completed);
            var stripped = Path.Combine(dir, "no-bank.ckpt");
            File.Copy(ckpt, stripped);
            RemoveBank(stripped);

            using var resumed = new EndToEndTrainer(Cox, new TrainerOptions { Source = source }).Resume(ckpt, cohort);
            Assert.Equal(whole.History, resumed.History.Select((h, i) => h with { Seconds = whole.History[i].Seconds }).ToList());
            var a = TestLogits(whole);
            var b = TestLogits(resumed);
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]); // bit-identical logits

            // Without the bank the second epoch's first steps rank against nothing: the run differs.
            using var forgetful = new EndToEndTrainer(Cox, new TrainerOptions { Source = source }).Resume(stripped, cohort);
            Assert.NotEqual(whole.History[1].TrainLoss, forgetful.History[1].TrainLoss);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Two_stage_cox_training_resumes_exactly_with_the_saved_memory_bank()
    {
        var cohort = PlantedCohort.Create(train: 10, val: 6, test: 6);
        int width = Preset.Smoke.Encoder.Width;
        Func<BagDecoder> make = () => new Abmil(AbmilConfig.Smoke(width));
        var dir = Directory.CreateTempSubdirectory("vptsurv-coxresume2-").FullName;
        try
        {
            var source = PlantedCohort.Source(12);
            using var whole = new TwoStagePipeline(Cox, new TrainerOptions { Source = source, WorkDirectory = dir }).Fit(cohort, make);
            var ckpt = Path.Combine(dir, "decoder.ckpt");
            using (var first = new TwoStagePipeline(Cox, new TrainerOptions { Source = source, WorkDirectory = dir, CheckpointPath = ckpt, StopAfterEpoch = 1 })
                       .Fit(cohort, make))
                Assert.False(first.Completed);
            Assert.Equal(6, TrainingCheckpoint.ReadMeta(ckpt).CoxMemory!.Count);
            using var resumed = new TwoStagePipeline(Cox, new TrainerOptions { Source = source, WorkDirectory = dir }).Resume(ckpt, cohort, make);
            Assert.Equal(whole.History, resumed.History.Select((h, i) => h with { Seconds = whole.History[i].Seconds }).ToList());
            var a = whole.Predict(Split.Test);
            var b = resumed.Predict(Split.Test);
            for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Logits, b[i].Logits);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_bank_that_does_not_fit_or_is_not_finite_is_refused_naming_the_entry()
    {
        var bank = new CoxMemoryBank(2);
        Assert.Equal("entries", Assert.Throws<ArgumentException>(() => bank.Restore([new(0, 1, true), new(0, 2, false), new(0, 3, true)])).ParamName);
        var e = Assert.Throws<ArgumentException>(() => bank.Restore([new(0, 1, true), new(double.NaN, 2, false)]));
        Assert.Contains("entries[1]", e.Message);
        bank.Restore([new(0.5, 1, true)]);
        Assert.Equal([new CoxMemoryEntry(0.5, 1, true)], bank.Entries);
    }

    private static void RemoveBank(string checkpoint)
    {
        using var zip = ZipFile.Open(checkpoint, ZipArchiveMode.Update);
        var entry = zip.GetEntry("meta.json")!;
        JsonObject meta;
        using (var r = new StreamReader(entry.Open())) meta = (JsonObject)JsonNode.Parse(r.ReadToEnd())!;
        Assert.NotNull(meta["cox_memory"]);
        meta["cox_memory"] = null;
        entry.Delete();
        using var w = new StreamWriter(zip.CreateEntry("meta.json").Open());
        w.Write(meta.ToJsonString());
    }
}
