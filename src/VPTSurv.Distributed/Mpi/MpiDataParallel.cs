using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Distributed.Mpi;

/// <summary>
/// Data-parallel training on an <see cref="MpiWorld"/>: give it as <see cref="TrainerOptions.Parallel"/> in every rank of
/// a job started by mpirun or srun. Broadcast and gather go through the world; the gradients are summed in buckets
/// (<see cref="MpiWorld.AllReduce(IReadOnlyList{Tensor}, ReduceOp, long)"/>: one MPI call per bucket, one bucket for a
/// model of up to 25 MB of gradients).
/// </summary>
/// <example><code>
/// using var world = MpiWorld.Start();
/// var options = new TrainerOptions { Parallel = new MpiDataParallel(world), CheckpointPath = world.IsRoot ? "ckpt.zip" : null };
/// using var result = new EndToEndTrainer(Preset.Cpu, options).Fit(cohort);
/// </code></example>
public sealed class MpiDataParallel(MpiWorld world) : IDataParallel
{
    private readonly MpiWorld _world = world ?? throw new ArgumentNullException(nameof(world));

    /// <summary>MPI calls made by <see cref="Sum"/> so far (one per bucket).</summary>
    public int ReduceCalls { get; private set; }

    /// <summary>Wall time spent in <see cref="Sum"/> so far (the allreduce share of the steps).</summary>
    public TimeSpan ReduceTime { get; private set; }

    /// <inheritdoc />
    public int Rank => _world.Rank;

    /// <inheritdoc />
    public int Size => _world.Size;

    /// <inheritdoc />
    public void Broadcast(IReadOnlyList<Tensor> tensors) => _world.Broadcast(tensors);

    /// <inheritdoc />
    public void Sum(IReadOnlyList<Tensor> tensors)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        ReduceCalls += _world.AllReduce(tensors, ReduceOp.Sum);
        ReduceTime += System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    /// <inheritdoc />
    public double[][] AllGather(double[] values) => _world.AllGather(values);
}
