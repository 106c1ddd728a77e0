using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// Which bags of an epoch's (global, seeded) slide order one rank trains on in one optimiser step. With R ranks and
/// B bags per step per rank, step k takes the global bags [k·R·B, (k+1)·R·B) (fewer at the epoch's end) and rank r the
/// B of them starting at k·R·B + r·B, so R ranks with B bags each step as one process with R·B bags does.
/// </summary>
/// <param name="GlobalFirst">Index in the epoch order of the step's first bag (all ranks).</param>
/// <param name="GlobalCount">Bags of the step over all ranks: each bag's loss is scaled by 1 / GlobalCount.</param>
/// <param name="First">Index of this rank's first bag.</param>
/// <param name="Count">This rank's bags in the step (0 at the end of an epoch that does not fill every rank).</param>
internal readonly record struct StepShard(int GlobalFirst, int GlobalCount, int First, int Count)
{
    /// <summary>Optimiser steps per epoch of <paramref name="bags"/> training bags.</summary>
    public static int StepsPerEpoch(int bags, int bagsPerStep, int ranks) => (bags + bagsPerStep * ranks - 1) / (bagsPerStep * ranks);

    /// <summary>The bags of step <paramref name="k"/> (0-based, in the epoch) of an epoch of <paramref name="bags"/> bags on <paramref name="rank"/>.</summary>
    public static StepShard Of(int k, int bags, int bagsPerStep, int ranks, int rank)
    {
        int globalFirst = k * bagsPerStep * ranks, globalCount = Math.Min(bagsPerStep * ranks, bags - globalFirst);
        int first = globalFirst + rank * bagsPerStep;
        int count = Math.Clamp(globalFirst + globalCount - first, 0, bagsPerStep);
        return new StepShard(globalFirst, globalCount, first, count);
    }

    /// <summary>This rank's bags of a whole epoch, in the order its steps take them.</summary>
    public static IEnumerable<T> Mine<T>(IReadOnlyList<T> order, int bagsPerStep, int ranks, int rank)
    {
        for (int k = 0, steps = StepsPerEpoch(order.Count, bagsPerStep, ranks); k < steps; k++)
        {
            var s = Of(k, order.Count, bagsPerStep, ranks, rank);
            for (int i = s.First; i < s.First + s.Count; i++) yield return order[i];
        }
    }
}

/// <summary>What the trainers do with their <see cref="IDataParallel"/> group; every method is a no-op for one process.</summary>
internal static class DataParallel
{
    /// <summary>One process: no collective calls.</summary>
    public static IDataParallel Single { get; } = new SingleProcess();

    /// <summary>
    /// One optimiser step of both survival trainers: zero the gradients, let <paramref name="bagLoss"/> add the gradient
    /// of each of this rank's bags of step <paramref name="k"/> (<see cref="StepShard"/>; it is given the slide and the
    /// step's bag count over all ranks, by which it scales its loss, and returns the unscaled loss), sum the gradients
    /// over the ranks and step. Returns the loss summed over all ranks' bags and the step's slides.
    /// </summary>
    public static (double LossSum, IReadOnlyList<SlideRecord> Bags) Step(this IDataParallel group, nn.Module model, OptimizerHelper optimizer,
        SlideRecord[] order, int k, int bagsPerStep, Func<SlideRecord, int, double> bagLoss)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var shard = StepShard.Of(k, order.Length, bagsPerStep, group.Size, group.Rank);
        double lossSum = 0;
        for (int b = 0; b < shard.Count; b++)
            lossSum += bagLoss(order[shard.First + b], shard.GlobalCount);
        group.SumGradients(model);
        optimizer.step();
        return (group.Sum(lossSum), order[shard.GlobalFirst..(shard.GlobalFirst + shard.GlobalCount)]);
    }

    /// <summary>Rank 0's trainable weights on every rank.</summary>
    public static void BroadcastTrainable(this IDataParallel group, nn.Module model)
    {
        if (group.Size == 1) return;
        using var _ = no_grad();
        group.Broadcast([.. TrainingCheckpoint.Trainable(model).Select(p => (Tensor)p.Value)]);
    }

    /// <summary>
    /// Sums the trainable parameters' gradients over the ranks (one bucketed call), after giving a zero gradient to any
    /// parameter that has none here but has one on another rank (a rank without bags in the step), so every rank sends
    /// the same tensors and ends with the same gradients.
    /// </summary>
    public static void SumGradients(this IDataParallel group, nn.Module model)
    {
        if (group.Size == 1) return;
        var trainable = TrainingCheckpoint.Trainable(model).Select(p => p.Value).ToList();
        var has = group.AllGather([.. trainable.Select(p => p.grad is null ? 0.0 : 1.0)]);
        var used = Enumerable.Range(0, trainable.Count).Where(i => has.Any(r => r[i] != 0)).ToList();
        var missing = used.Where(i => trainable[i].grad is null).ToList();
        if (missing.Count > 0)
        {
            using var scope = NewDisposeScope();
            missing.Select(i => (trainable[i] * 0).sum()).Aggregate((a, b) => a + b).backward();
        }
        group.Sum([.. used.Select(i => trainable[i].grad!)]);
    }

    /// <summary>The sum of <paramref name="value"/> over the ranks.</summary>
    public static double Sum(this IDataParallel group, double value) =>
        group.Size == 1 ? value : group.AllGather([value]).Sum(r => r[0]);

    /// <summary>
    /// <paramref name="risk"/> of all <paramref name="slides"/>, each rank computing every Size-th slide from its rank on
    /// and the results gathered, so every rank gets the same array in slide order.
    /// </summary>
    public static double[] Shared(this IDataParallel group, IReadOnlyList<SlideRecord> slides, Func<IReadOnlyList<SlideRecord>, double[]> risk)
    {
        if (group.Size == 1) return risk(slides);
        var mine = slides.Where((_, i) => i % group.Size == group.Rank).ToList();
        var all = group.AllGather(mine.Count == 0 ? [] : risk(mine));
        return [.. Enumerable.Range(0, slides.Count).Select(i => all[i % group.Size][i / group.Size])];
    }

    /// <summary>Merges per-slide values that each rank knows for some slides (NaN elsewhere) into every rank's array.</summary>
    public static double[] Merge(this IDataParallel group, double[] values)
    {
        if (group.Size == 1) return values;
        var all = group.AllGather(values);
        return [.. Enumerable.Range(0, values.Length).Select(i => all.Select(r => r[i]).FirstOrDefault(double.IsFinite, double.NaN))];
    }

    private sealed class SingleProcess : IDataParallel
    {
        public int Rank => 0;
        public int Size => 1;
        public void Broadcast(IReadOnlyList<Tensor> tensors) { }
        public void Sum(IReadOnlyList<Tensor> tensors) { }
        public double[][] AllGather(double[] values) => [values];
    }
}
