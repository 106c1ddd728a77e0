namespace VPTSurv.Distributed.Mpi;

/// <summary>MPI was asked for (the process runs under mpirun or srun) but the MPI library could not be loaded or used.</summary>
public sealed class MpiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An MPI call returned an error code.</summary>
public sealed class MpiException(string call, int code) : Exception($"{call} failed with MPI error code {code}.")
{
    /// <summary>The MPI error code.</summary>
    public int Code { get; } = code;
}
