using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// The process group of a data-parallel training run (<see cref="TrainerOptions.Parallel"/>): this process's rank among
/// <see cref="Size"/> processes that train one model together, and the three collective operations the trainers need.
/// The core library only calls it; VPTSurv.Distributed implements it on MPI (<c>MpiDataParallel</c>). Every rank must
/// make the same calls in the same order.
/// </summary>
public interface IDataParallel
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; <see cref="Size"/>; rank 0 alone writes checkpoints.</summary>
    int Rank { get; }

    /// <summary>The number of processes training together (1: a single process).</summary>
    int Size { get; }

    /// <summary>Copies rank 0's <paramref name="tensors"/> into every rank's same-shaped tensors (initial weights).</summary>
    void Broadcast(IReadOnlyList<Tensor> tensors);

    /// <summary>Replaces each of <paramref name="tensors"/> (gradients) by its sum over all ranks, in place.</summary>
    void Sum(IReadOnlyList<Tensor> tensors);

    /// <summary>Every rank's <paramref name="values"/>, in rank order, on every rank.</summary>
    double[][] AllGather(double[] values);
}
