using System.Globalization;

namespace VPTSurv.Distributed.Mpi;

/// <summary>
/// How this process was started by a parallel launcher: its rank, the number of ranks, its rank on this node, and the
/// launcher that said so. Read from the environment only (no MPI library is loaded), so single-process runs never
/// touch MPI.
/// </summary>
/// <param name="Rank">This process's rank, 0 ≤ Rank &lt; Size.</param>
/// <param name="Size">The number of processes of the job.</param>
/// <param name="LocalRank">This process's rank among those on the same node (its GPU index: <c>cuda:{LocalRank}</c>).</param>
/// <param name="Launcher">"mpirun" (Open MPI), "slurm" (srun) or "pmi" (MPICH/Hydra).</param>
public sealed record MpiLaunch(int Rank, int Size, int LocalRank, string Launcher)
{
    /// <summary>
    /// The launch described by <paramref name="environment"/> (default: this process's): Open MPI's
    /// <c>OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK</c>, Slurm's <c>SLURM_PROCID/SLURM_STEP_NUM_TASKS/SLURM_LOCALID</c> (a job step
    /// started by srun; the batch script itself has no step size and is a single process), or PMI's
    /// <c>PMI_RANK/PMI_SIZE</c>; null when the process was started by none of them, or as a job of one process.
    /// </summary>
    /// <exception cref="FormatException">A launcher variable that is not a number, or a rank outside [0, size).</exception>
    public static MpiLaunch? Detect(IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Get(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);
        MpiLaunch? From(string launcher, string rank, string size, params string[] local)
        {
            if (Get(rank) is not { } r) return null;
            int rk = Parse(rank, r), sz = Get(size) is { } s ? Parse(size, s) : throw new FormatException($"{rank} is set but {size} is not.");
            int lr = local.Select(Get).FirstOrDefault(v => v is not null) is { } l ? Parse(local[0], l) : rk;
            if (sz < 1 || rk < 0 || rk >= sz) throw new FormatException($"{launcher}: rank {rk} of {sz} processes is not a valid rank.");
            return new MpiLaunch(rk, sz, lr, launcher);
        }
        var launch = From("mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK")
            ?? (Get("SLURM_STEP_NUM_TASKS") is null ? null : From("slurm", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID"))
            ?? From("pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "PMI_LOCAL_RANK");
        // A job of one process (mpirun -np 1, srun -n 1) needs no sharding and no MPI.
        return launch is { Size: > 1 } ? launch : null;
    }

    private static int Parse(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
        : throw new FormatException($"environment variable {name}='{value}' is not an integer.");
}
