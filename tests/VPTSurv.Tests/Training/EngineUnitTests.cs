using System.IO.Compression;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Tests.Model;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Training;

[Collection(nameof(GlobalTorchRng))]
public class EngineUnitTests
{
    [Fact]
    public void NormsBiasesAndQueriesGetNoWeightDecay()
    {
        using var model = Preset.Smoke.BuildModel();
        var trainable = TrainingCheckpoint.Trainable(model).ToList();
        var noDecay = trainable.Where(p => !OptimizerFactory.Decays(p.Key, p.Value)).Select(p => p.Key).ToHashSet();
        Assert.Contains("decoder.queries", noDecay);
        Assert.Contains("decoder.norm.weight", noDecay);
        Assert.Contains("decoder.proj.bias", noDecay);
        Assert.DoesNotContain("decoder.proj.weight", noDecay);
        Assert.DoesNotContain("encoder.up.weight", noDecay);
        using var opt = OptimizerFactory.Create(model, 1e-3, 0.05);
        Assert.Equal(2, opt.ParamGroups.Count());
    }

    [Fact]
    public void CosineScheduleStartsAtTheBaseRateAndEndsAtTheMinimum()
    {
        var s = new CosineSchedule(1e-3, 100);
        Assert.Equal(1e-3, s.At(0), 15);
        Assert.Equal(0.5e-3, s.At(50), 15);
        Assert.Equal(0, s.At(100), 15);
    }

    [Fact]
    public void CohortSubsetKeepsPatientsWholeAndIsTheSameEveryTime()
    {
        var cohort = SyntheticCohorts.Generate(SyntheticCohortConfig.Cd8).Cohort;
        var subset = new CohortSubset(Train: 50, Val: 10, Test: null);
        var a = subset.Apply(cohort);
        var b = subset.Apply(cohort);
        Assert.Equal(a.Slides.Select(s => s.SlideId), b.Slides.Select(s => s.SlideId));
        Assert.InRange(a.SlidesIn(Split.Train).Count(), 48, 50);
        Assert.InRange(a.SlidesIn(Split.Val).Count(), 8, 10);
        Assert.Equal(cohort.SlidesIn(Split.Test).Count(), a.SlidesIn(Split.Test).Count());
        foreach (var p in a.Patients) Assert.Equal(cohort.Patient(p.PatientId).Slides.Count, p.Slides.Count);
    }

    [Fact]
    public void ABrokenCheckpointIsRejectedWithItsPathAndTheMissingPart()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-ckpt-").FullName;
        try
        {
            var path = Path.Combine(dir, "bad.ckpt");
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            using (var w = new StreamWriter(zip.CreateEntry("meta.json").Open()))
                w.Write("{\"format\": \"something-else\"}");
            var e = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.ReadMeta(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("vptsurv-checkpoint/1", e.Message);

            File.WriteAllText(path + ".txt", "not a zip");
            var e2 = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.ReadMeta(path + ".txt"));
            Assert.Contains("not a zip", e2.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CheckpointWritesLeaveNoTemporaryFileAndRoundTripTheMeta()
    {
        var cohort = PlantedCohort.Create(train: 4, val: 4, test: 2);
        var dir = Directory.CreateTempSubdirectory("vptsurv-ckpt-").FullName;
        try
        {
            var ckpt = Path.Combine(dir, "run.ckpt");
            var preset = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } };
            using var r = new EndToEndTrainer(preset, new TrainerOptions { Source = PlantedCohort.Source(), CheckpointPath = ckpt }).Fit(cohort);
            Assert.Equal(["run.ckpt"], Directory.GetFiles(dir).Select(Path.GetFileName));
            var meta = TrainingCheckpoint.ReadMeta(ckpt);
            Assert.Equal(1, meta.Epoch);
            Assert.Equal(4, meta.Step);
            Assert.Equal(r.Bins.Edges, meta.BinEdges);
            Assert.Equal(PresetJson.Of(preset), meta.PresetJson);
            Assert.Equal(r.History[0].TrainLoss, meta.History[0].TrainLoss);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
