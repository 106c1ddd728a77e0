using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Distributed.Mpi;

/// <summary>How <see cref="MpiWorld.AllReduce(Tensor, ReduceOp)"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The sum over ranks.</summary>
    Sum,

    /// <summary>The sum over ranks divided by the number of ranks (gradient averaging).</summary>
    Average,
}

/// <summary>
/// The job's processes (<c>MPI_COMM_WORLD</c>) through Open MPI: rank, size, barrier, broadcast, allreduce of TorchSharp
/// tensors (in place; one tensor, or many in buckets of one call each) and gather of small arrays. Created once per
/// process by <see cref="Start"/>, which initialises MPI; <see cref="Dispose"/> finalises it. Only a process started by
/// mpirun or srun (<see cref="MpiLaunch.Detect"/>) needs this; nothing else in VPTSurv loads MPI.
/// </summary>
/// <example><code>
/// using var world = MpiWorld.Start();
/// world.Broadcast(parameters, root: 0);       // same initial weights everywhere
/// world.AllReduce(gradients, ReduceOp.Average); // one call per 25 MB bucket
/// </code></example>
public sealed unsafe class MpiWorld : IDisposable
{
    /// <summary>Default bucket size of <see cref="AllReduce(IReadOnlyList{Tensor}, ReduceOp, long)"/>: 25 MB, as PyTorch DDP.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    private static MpiWorld? _current;
    private readonly nint _comm, _float, _double, _byte, _int, _sum;
    private bool _disposed;

    private MpiWorld(MpiLaunch? launch)
    {
        _comm = MpiLibrary.Export("ompi_mpi_comm_world");
        _float = MpiLibrary.Export("ompi_mpi_float");
        _double = MpiLibrary.Export("ompi_mpi_double");
        _byte = MpiLibrary.Export("ompi_mpi_byte");
        _int = MpiLibrary.Export("ompi_mpi_int");
        _sum = MpiLibrary.Export("ompi_mpi_op_sum");
        MpiNative.Check(MpiNative.MPI_Initialized(out var initialised), "MPI_Initialized");
        if (initialised == 0) MpiNative.Check(MpiNative.MPI_Init(0, 0), "MPI_Init");
        MpiNative.Check(MpiNative.MPI_Comm_rank(_comm, out var rank), "MPI_Comm_rank");
        MpiNative.Check(MpiNative.MPI_Comm_size(_comm, out var size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        LocalRank = launch?.LocalRank ?? rank;
    }

    /// <summary>This process's rank.</summary>
    public int Rank { get; }

    /// <summary>The number of processes.</summary>
    public int Size { get; }

    /// <summary>This process's rank on its node (its device: <c>cuda:{LocalRank}</c>).</summary>
    public int LocalRank { get; }

    /// <summary>Whether this is rank 0 (the one that writes reports and draws progress).</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// Initialises MPI (once per process; later calls return the same world until it is disposed).
    /// </summary>
    /// <exception cref="MpiUnavailableException">The Open MPI library cannot be loaded; the message names what was tried.</exception>
    public static MpiWorld Start()
    {
        lock (typeof(MpiWorld))
        {
            if (_current is { _disposed: false } w) return w;
            if (_current is not null) throw new InvalidOperationException("MPI was finalised in this process; it cannot be started again.");
            return _current = new MpiWorld(MpiLaunch.Detect());
        }
    }

    /// <summary>Waits until every rank has called it (spinning: for short waits, e.g. between timed steps).</summary>
    public void Barrier()
    {
        ThrowIfDisposed();
        MpiNative.Check(MpiNative.MPI_Barrier(_comm), "MPI_Barrier");
    }

    /// <summary>
    /// Waits until every rank has called it, sleeping <paramref name="poll"/> (default 5 ms) between checks, for long
    /// waits: a rank that finished its shard early must not spin on a core the others still need (MPI_Barrier busy-waits).
    /// </summary>
    public void SleepingBarrier(TimeSpan? poll = null)
    {
        ThrowIfDisposed();
        var wait = poll ?? TimeSpan.FromMilliseconds(5);
        MpiNative.Check(MpiNative.MPI_Ibarrier(_comm, out var request), "MPI_Ibarrier");
        while (true)
        {
            MpiNative.Check(MpiNative.MPI_Test(ref request, out var done, 0), "MPI_Test"); // status: MPI_STATUS_IGNORE (null)
            if (done != 0) return;
            Thread.Sleep(wait);
        }
    }

    /// <summary>Copies <paramref name="tensor"/> of rank <paramref name="root"/> into the same-shaped tensor of every rank (bytes; any dtype).</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(tensor);
        using var _ = no_grad();
        WithCpuContiguous(tensor, null, t =>
        {
            var bytes = t.bytes;
            foreach (var (offset, count) in Chunks(bytes.Length))
                fixed (byte* p = &MemoryMarshal.GetReference(bytes[offset..]))
                    MpiNative.Check(MpiNative.MPI_Bcast(p, count, _byte, root, _comm), "MPI_Bcast");
        });
    }

    /// <summary>Broadcasts each tensor of <paramref name="tensors"/> from <paramref name="root"/> (e.g. a model's parameters).</summary>
    public void Broadcast(IEnumerable<Tensor> tensors, int root = 0)
    {
        foreach (var t in tensors) Broadcast(t, root);
    }

    /// <summary>
    /// Replaces <paramref name="tensor"/> by its sum (or average) over all ranks, in place. Float32 and float64 are reduced
    /// as they are; other floating types (bf16, fp16) are carried as float32 and written back; a non-CPU tensor goes
    /// through a CPU copy.
    /// </summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.is_floating_point()) throw new ArgumentException($"AllReduce takes floating-point tensors, not {tensor.dtype}.", nameof(tensor));
        using var _ = no_grad();
        var type = tensor.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        WithCpuContiguous(tensor, type, t =>
        {
            ReduceInPlace(t);
            if (op == ReduceOp.Average) t.div_(Size);
        });
    }

    /// <summary>
    /// <see cref="AllReduce(Tensor, ReduceOp)"/> of many tensors (a model's gradients) with few calls: consecutive tensors
    /// are packed into float32 buckets of at most <paramref name="bucketBytes"/> (a larger tensor is a bucket alone), each
    /// bucket reduced in one call and unpacked in place. Returns the number of MPI calls made.
    /// </summary>
    public int AllReduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum, long bucketBytes = DefaultBucketBytes)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 4);
        int calls = 0;
        using var _ = no_grad();
        foreach (var bucket in Buckets(tensors, bucketBytes))
        {
            using var scope = NewDisposeScope();
            var flat = cat(bucket.Select(t => t.detach().to(ScalarType.Float32, CPU).reshape(-1)).ToList(), 0).contiguous(); // (Σ numel,)
            ReduceInPlace(flat);
            calls++;
            if (op == ReduceOp.Average) flat.div_(Size);
            long offset = 0;
            foreach (var t in bucket)
            {
                t.copy_(flat.narrow(0, offset, t.numel()).view(t.shape));
                offset += t.numel();
            }
        }
        return calls;
    }

    /// <summary>Every rank's <paramref name="values"/> (lengths may differ), in rank order, on every rank.</summary>
    public double[][] AllGather(double[] values)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(values);
        var counts = new int[Size];
        int mine = values.Length;
        fixed (int* c = counts)
            MpiNative.Check(MpiNative.MPI_Allgather(&mine, 1, _int, c, 1, _int, _comm), "MPI_Allgather");
        var displs = new int[Size];
        for (int r = 1; r < Size; r++) displs[r] = checked(displs[r - 1] + counts[r - 1]);
        var all = new double[displs[^1] + counts[^1]];
        fixed (double* s = values)
        fixed (double* a = all)
        fixed (int* c = counts)
        fixed (int* d = displs)
            MpiNative.Check(MpiNative.MPI_Allgatherv(s, mine, _double, a, c, d, _double, _comm), "MPI_Allgatherv");
        return [.. Enumerable.Range(0, Size).Select(r => all.AsSpan(displs[r], counts[r]).ToArray())];
    }

    /// <summary>Finalises MPI for this process (every rank must call it before exiting).</summary>
    public void Dispose()
    {
        lock (typeof(MpiWorld))
        {
            if (_disposed) return;
            _disposed = true;
            MpiNative.Check(MpiNative.MPI_Finalized(out var finalised), "MPI_Finalized");
            if (finalised == 0) MpiNative.Check(MpiNative.MPI_Finalize(), "MPI_Finalize");
        }
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="tensor"/> itself when it is CPU, contiguous and of <paramref name="type"/> (null: any), else on a copy written back.</summary>
    private static void WithCpuContiguous(Tensor tensor, ScalarType? type, Action<Tensor> work)
    {
        if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous() && (type is null || tensor.dtype == type))
        {
            work(tensor);
            return;
        }
        using var copy = tensor.to(type ?? tensor.dtype, CPU).contiguous().clone();
        work(copy);
        tensor.copy_(copy);
    }

    private void ReduceInPlace(Tensor t)
    {
        var bytes = t.bytes;
        var (type, size) = t.dtype == ScalarType.Float64 ? (_double, 8) : (_float, 4);
        foreach (var (offset, count) in Chunks(bytes.Length / size))
            fixed (byte* p = &MemoryMarshal.GetReference(bytes[(offset * size)..]))
                MpiNative.Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, p, count, type, _sum, _comm), "MPI_Allreduce");
    }

    /// <summary>MPI counts are ints: (offset, count) pieces of at most 2^30 elements.</summary>
    private static IEnumerable<(int Offset, int Count)> Chunks(int length)
    {
        const int max = 1 << 30;
        for (int o = 0; o < length; o += max) yield return (o, Math.Min(max, length - o));
        if (length == 0) yield break;
    }

    private static IEnumerable<List<Tensor>> Buckets(IReadOnlyList<Tensor> tensors, long bucketBytes)
    {
        var bucket = new List<Tensor>();
        long bytes = 0;
        foreach (var t in tensors)
        {
            if (!t.is_floating_point()) throw new ArgumentException($"AllReduce takes floating-point tensors, not {t.dtype}.", nameof(tensors));
            long b = t.numel() * 4;
            if (bucket.Count > 0 && bytes + b > bucketBytes)
            {
                yield return bucket;
                bucket = [];
                bytes = 0;
            }
            bucket.Add(t);
            bytes += b;
        }
        if (bucket.Count > 0) yield return bucket;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
