using System.IO.Compression;
using VPTSurv.Cli.Commands;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Tests.Cli;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Distributed;

/// <summary>
/// Data-parallel training: `mpirun -np 2 vptsurv train` with B bags per step on each rank takes the same optimiser steps
/// as one process with 2B bags per step: the same trainable weights after the steps, the same per-epoch loss, training
/// C and validation C (each rank predicts its share of the slides, the risks are gathered), the same predictions, and
/// rank 0 alone writes --out. Only the order in which the bags' gradients are added differs (each rank sums its own
/// bags, then the ranks' sums are added), so the weights agree to rounding (1e-5) — except the key half of the attention
/// layers' packed key/value bias: adding a constant to every key shifts all of a query's attention logits equally, which
/// the softmax ignores, so the loss's gradient there is exactly zero and what is computed is rounding noise, which AdamW
/// (dividing by its root mean square) turns into steps of the order of the learning rate in one process as much as in
/// two. Those entries change no output, which the equal predictions show.
/// </summary>
[Trait("Category", "Distributed")]
public sealed class DataParallelTrainingTests
{
    /// <summary>8 training slides, 2 epochs of 2 optimiser steps (4 bags each).</summary>
    private static string[] Train(string method, string dir, string cache, int bagsPerStep) =>
        ["train", "--method", method, "--out", dir, "--cache", cache, .. CliRunner.SmallTrain, "--set", $"training.bagsPerStep={bagsPerStep}"];

    [MpiTheory]
    [InlineData("end-to-end")]
    [InlineData("two-stage")]
    public void Two_ranks_with_two_bags_each_step_as_one_process_with_four(string method)
    {
        var root = CliRunner.TempDir();
        string cache = Path.Combine(root, "cache"), single = Path.Combine(root, "single"), ranks = Path.Combine(root, "ranks");
        CliProcess.Run(CliProcess.Start(Train(method, single, cache, 4)), TimeSpan.FromMinutes(3));
        var output = CliProcess.Run(CliProcess.StartMpi(2, Train(method, ranks, cache, 2)), TimeSpan.FromMinutes(3));
        Assert.Contains("data-parallel: 2 ranks", output);
        Assert.Contains("allreduce: 4 calls", output); // one bucketed call per optimiser step

        var one = TrainingCheckpoint.ReadMeta(Path.Combine(single, TrainCommand.Checkpoint));
        var two = TrainingCheckpoint.ReadMeta(Path.Combine(ranks, TrainCommand.Checkpoint));
        Assert.Equal((2, 4), (one.Epoch, one.Step));
        Assert.Equal((one.Epoch, one.Step), (two.Epoch, two.Step));
        Assert.Equal(one.History.Count, two.History.Count);
        foreach (var (a, b) in one.History.Zip(two.History))
        {
            Assert.Equal(a.TrainLoss, b.TrainLoss, 1e-5);
            Assert.Equal(a.TrainC, b.TrainC, 1e-9);
            Assert.Equal(a.ValidationC, b.ValidationC, 1e-9);
            Assert.Equal(a.LearningRate, b.LearningRate);
        }
        Assert.Equal(one.BestEpoch, two.BestEpoch);

        var w1 = Weights(Path.Combine(single, TrainCommand.Checkpoint));
        var w2 = Weights(Path.Combine(ranks, TrainCommand.Checkpoint));
        Assert.Equal(w1.Keys.Order(), w2.Keys.Order());
        Assert.NotEmpty(w1);
        double maxDiff = 0;
        foreach (var key in w1.Keys)
        {
            using var diff = (w1[key] - w2[key]).abs().reshape(-1);
            long keyHalf = key.EndsWith("kv_proj.bias", StringComparison.Ordinal) ? diff.numel() / 2 : 0;
            maxDiff = Math.Max(maxDiff, diff.narrow(0, keyHalf, diff.numel() - keyHalf).max().item<float>());
        }
        Console.WriteLine($"{method}: max |w(2 ranks) - w(1 process)| = {maxDiff:E3} over {w1.Values.Sum(t => t.numel())} trainable weights");
        Assert.True(maxDiff <= 1e-5, $"{method}: trainable weights differ by up to {maxDiff:E2}");

        // Every split's risks and logits, written by rank 0 from the selected model: equal to rounding.
        var p1 = File.ReadAllLines(Path.Combine(single, "predictions.csv"));
        var p2 = File.ReadAllLines(Path.Combine(ranks, "predictions.csv"));
        Assert.Equal(p1.Length, p2.Length);
        foreach (var (a, b) in p1.Zip(p2))
            foreach (var (x, y) in a.Split(',').Zip(b.Split(',')))
                if (double.TryParse(x, System.Globalization.CultureInfo.InvariantCulture, out var u) && double.TryParse(y, System.Globalization.CultureInfo.InvariantCulture, out var v))
                    Assert.Equal(u, v, 1e-5);
                else Assert.Equal(x, y);
        // Rank 1 kept its caches in a temporary folder and wrote nothing into --out.
        Assert.Equal(Files(single), Files(ranks));
        foreach (var t in w1.Values.Concat(w2.Values)) t.Dispose();
    }

    [MpiFact]
    public void A_run_of_two_ranks_resumes_in_one_process_at_the_next_epoch_with_its_steps_recounted()
    {
        var root = CliRunner.TempDir();
        string cache = Path.Combine(root, "cache"), dir = Path.Combine(root, "run");
        // Epoch 1 on 2 ranks: 8 bags, 2 per rank, 2 steps.
        CliProcess.Run(CliProcess.StartMpi(2, [.. Train("end-to-end", dir, cache, 2), "--stop-after", "1"]), TimeSpan.FromMinutes(3));
        var paused = TrainingCheckpoint.ReadMeta(Path.Combine(dir, TrainCommand.Checkpoint));
        Assert.Equal((1, 2), (paused.Epoch, paused.Step));

        // Epoch 2 in one process with the same preset: 2 bags per step, so 4 steps per epoch. The step count (the
        // schedule's position) is this run's: epoch 2 starts at step 4 and ends at 8, where the schedule ends.
        CliProcess.Run(CliProcess.Start([.. Train("end-to-end", dir, cache, 2), "--resume"]), TimeSpan.FromMinutes(3));
        var done = TrainingCheckpoint.ReadMeta(Path.Combine(dir, TrainCommand.Checkpoint));
        Assert.Equal((2, 2 * 4), (done.Epoch, done.Step));
        Assert.Equal([1, 2], done.History.Select(h => h.Epoch));
        Assert.Equal(paused.History[0], done.History[0]); // epoch 1 was not trained again
        // Epoch 2 ran on the learning-rate schedule of a one-process run with 2 bags per step.
        string whole = Path.Combine(root, "whole");
        CliProcess.Run(CliProcess.Start(Train("end-to-end", whole, cache, 2)), TimeSpan.FromMinutes(3));
        Assert.Equal(TrainingCheckpoint.ReadMeta(Path.Combine(whole, TrainCommand.Checkpoint)).History[1].LearningRate, done.History[1].LearningRate);
        Assert.True(File.Exists(Path.Combine(dir, TrainCommand.Model)));
    }

    private static string[] Files(string dir) => [.. Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order()!];

    private static Dictionary<string, Tensor> Weights(string checkpoint)
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-dp-").FullName;
        using (var zip = ZipFile.OpenRead(checkpoint))
            zip.GetEntry("weights.safetensors")!.ExtractToFile(Path.Combine(dir, "w.safetensors"));
        return SafeTensors.Read(Path.Combine(dir, "w.safetensors"));
    }
}
