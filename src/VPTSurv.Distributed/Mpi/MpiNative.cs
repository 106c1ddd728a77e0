using System.Runtime.InteropServices;

namespace VPTSurv.Distributed.Mpi;

/// <summary>
/// The few MPI functions this project calls, bound by <see cref="LibraryImportAttribute"/> to the library
/// <see cref="MpiLibrary"/> opened (Open MPI's <c>libmpi.so.40</c>). Handles (communicator, datatypes, operations) are
/// Open MPI's exported objects, whose addresses are the handles.
/// </summary>
internal static unsafe partial class MpiNative
{
    /// <summary>A name that only <see cref="MpiLibrary"/>'s import resolver maps (to the library it opened).</summary>
    internal const string Library = "vptsurv-libmpi";

    [LibraryImport(Library)] internal static partial int MPI_Initialized(out int flag);
    [LibraryImport(Library)] internal static partial int MPI_Finalized(out int flag);
    [LibraryImport(Library)] internal static partial int MPI_Init(nint argc, nint argv);
    [LibraryImport(Library)] internal static partial int MPI_Finalize();
    [LibraryImport(Library)] internal static partial int MPI_Comm_rank(nint comm, out int rank);
    [LibraryImport(Library)] internal static partial int MPI_Comm_size(nint comm, out int size);
    [LibraryImport(Library)] internal static partial int MPI_Barrier(nint comm);
    [LibraryImport(Library)] internal static partial int MPI_Ibarrier(nint comm, out nint request);
    [LibraryImport(Library)] internal static partial int MPI_Test(ref nint request, out int flag, nint status);
    [LibraryImport(Library)] internal static partial int MPI_Bcast(void* buffer, int count, nint datatype, int root, nint comm);
    [LibraryImport(Library)] internal static partial int MPI_Allreduce(void* sendbuf, void* recvbuf, int count, nint datatype, nint op, nint comm);
    [LibraryImport(Library)] internal static partial int MPI_Allgather(void* sendbuf, int sendcount, nint sendtype, void* recvbuf, int recvcount, nint recvtype, nint comm);
    [LibraryImport(Library)] internal static partial int MPI_Allgatherv(void* sendbuf, int sendcount, nint sendtype, void* recvbuf, int* recvcounts, int* displs, nint recvtype, nint comm);

    /// <summary><c>MPI_IN_PLACE</c> in Open MPI.</summary>
    internal static readonly void* InPlace = (void*)1;

    internal static void Check(int code, string call)
    {
        if (code != 0) throw new MpiException(call, code);
    }
}

/// <summary>dlopen from the C library: Open MPI's plugins need libmpi's symbols opened globally (RTLD_GLOBAL).</summary>
internal static partial class Dl
{
    internal const int RtldNow = 0x2, RtldGlobal = 0x100;

    [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint Open(string file, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
    internal static partial nint Error();

    internal static string LastError() => Marshal.PtrToStringUTF8(Error()) ?? "unknown error";
}
