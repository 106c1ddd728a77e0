using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VPTSurv.Training;

namespace VPTSurv.Bench;

/// <summary>
/// Data-parallel training, side by side in one run: `vptsurv train` end to end at the Cpu preset on 16 training slides
/// for three epochs as one process with 2 bags per step, then as `mpirun -np 2` with 1 bag per rank per step (the same
/// global batch, so the same 8 optimiser steps an epoch), one thread per rank, sharing the first run's tile cache (rank 1
/// builds its own); then both again with one core per worker (taskset / mpirun --bind-to core). Reported per run: each
/// epoch's seconds from the checkpoint (its steps and the validation of 4 slides), steps/s over epochs 2 and 3 (epoch 1
/// pays the warm-up), the command's wall and CPU seconds; for 2 ranks, rank 0's own step time and the share of it spent in
/// the gradient allreduce (waiting for the slower rank included). The load average is recorded before and after: on a
/// shared machine the ratios are not clean measurements. Skips with the reason when mpirun is missing.
/// </summary>
internal static class ScaleTrainingBench
{
    private static readonly string[] Run1 = ["train", "--preset", "cpu", "--set", "training.subset={\"train\":16,\"val\":4,\"test\":4,\"seed\":0}", "--stop-after", "3"];

    [Benchmark("scale-training")]
    public static JsonNode Run()
    {
        if (ScaleExtractionBench.MpiTwo() is not { } mpi) return ScaleExtractionBench.NoMpi;
        var tool = ScaleExtractionBench.Tool;
        var work = Directory.CreateTempSubdirectory("vptsurv-scale-train-").FullName;
        var cache = Path.Combine(work, "cache");
        var result = new JsonObject
        {
            ["load_before"] = TrainingVsPyTorchBench.LoadAverage(),
            ["threads_per_rank"] = 1,
            ["run"] = string.Join(' ', Run1),
            ["sched_autogroup"] = File.Exists("/proc/sys/kernel/sched_autogroup_enabled") ? File.ReadAllText("/proc/sys/kernel/sched_autogroup_enabled").Trim() : "n/a",
        };
        try
        {
            var (oneJson, oneRate) = Measure([tool, .. Run1, "--set", "training.bagsPerStep=2", "--out", Path.Combine(work, "one"), "--cache", cache], Path.Combine(work, "one"));
            var (twoJson, twoRate) = Measure([.. mpi, tool, .. Run1, "--set", "training.bagsPerStep=1", "--out", Path.Combine(work, "two"), "--cache", cache], Path.Combine(work, "two"));
            result["one_rank_2_bags_per_step"] = oneJson;
            result["two_ranks_1_bag_each"] = twoJson;
            result["ratio_steps_per_s"] = Math.Round(twoRate / oneRate, 3);
            if (ScaleExtractionBench.Pinned() is { } pinned)
            {
                var (onePinnedJson, onePinnedRate) = Measure([.. pinned.One, .. Run1, "--set", "training.bagsPerStep=2", "--out", Path.Combine(work, "one-pinned"), "--cache", cache], Path.Combine(work, "one-pinned"));
                var (twoPinnedJson, twoPinnedRate) = Measure([.. pinned.Two, tool, .. Run1, "--set", "training.bagsPerStep=1", "--out", Path.Combine(work, "two-pinned"), "--cache", cache], Path.Combine(work, "two-pinned"));
                result["one_rank_one_core"] = onePinnedJson;
                result["two_ranks_one_core_each"] = twoPinnedJson;
                result["pinned_ratio_steps_per_s"] = Math.Round(twoPinnedRate / onePinnedRate, 3);
            }
        }
        finally
        {
            result["load_after"] = TrainingVsPyTorchBench.LoadAverage();
            Directory.Delete(work, recursive: true);
        }
        return result;
    }

    private static (JsonObject Json, double StepsPerSecond) Measure(string[] command, string outDir)
    {
        var (wall, cpu, output) = ScaleExtractionBench.Exec(command);
        var meta = TrainingCheckpoint.ReadMeta(Path.Combine(outDir, "checkpoint.zip"));
        // Epochs 2 and 3: epoch 1 also pays the first steps' warm-up (allocator, thread pools), once per process.
        var steady = meta.History.Skip(1).ToList();
        double epoch = steady.Sum(h => h.Seconds) / steady.Count, stepsPerEpoch = (double)meta.Step / meta.History.Count, rate = stepsPerEpoch / epoch;
        var json = new JsonObject
        {
            ["steps"] = meta.Step,
            ["epoch_seconds"] = new JsonArray(meta.History.Select(h => (JsonNode)Math.Round(h.Seconds, 2)).ToArray()),
            ["steady_epoch_seconds"] = Math.Round(epoch, 2),
            ["steps_per_s"] = Math.Round(rate, 3),
            ["wall_seconds"] = Math.Round(wall, 2),
            ["cpu_seconds"] = Math.Round(cpu, 2),
        };
        var m = Regex.Match(output, @"allreduce: (\d+) calls, ([\d.]+) s of ([\d.]+) s in (\d+) steps \(([\d.]+) %\)");
        if (m.Success)
        {
            double Num(int g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            json["rank0_allreduce_calls"] = (int)Num(1);
            json["rank0_allreduce_seconds"] = Num(2);
            json["rank0_step_seconds"] = Num(3);
            json["allreduce_share_of_step"] = Math.Round(Num(2) / Num(3), 4);
        }
        return (json, rate);
    }
}
