using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VPTSurv.Cli.Terminal;
using VPTSurv.Runtime;

namespace VPTSurv.Cli.Output;

/// <summary>Who holds a folder: process id, host and start time (UTC), as recorded in the lock's holder file.</summary>
/// <param name="Pid">Process id of the holder.</param>
/// <param name="Host">Machine name of the holder.</param>
/// <param name="Started">When the holder took the lock (UTC).</param>
/// <param name="Command">What the holder runs (the command line, for the message).</param>
public sealed record LockHolder(int Pid, string Host, DateTime Started, string Command)
{
    /// <summary>"pid 123 on host h since 2026-12-06T20:00:00Z (vptsurv train …)".</summary>
    public override string ToString() =>
        $"pid {Pid} on host {Host} since {Started.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} ({Command})";

    /// <summary>Whether the holder's process still runs (only decidable on this host; another host's holder counts as alive).</summary>
    public bool IsAlive()
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal)) return true;
        try
        {
            using var p = Process.GetProcessById(Pid);
            // A pid reused by a process started after the lock was taken is not the holder.
            return !p.HasExited && p.StartTime.ToUniversalTime() <= Started.AddSeconds(1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>
/// An exclusive lock on a folder, held from <see cref="Acquire"/> until disposed: an OS lock (<c>flock</c> through
/// <see cref="FileShare.None"/>) on the empty file <c>.vptsurv.lock</c>, kept open for the whole run, so two runs can
/// never both hold it and a crashed run's lock is released by the kernel. The holder (pid, host, start time, command) is
/// written to <c>.vptsurv.lock.holder</c> while the lock is held (an OS-locked file cannot be read by others), so a
/// refused run names who has the folder. Where the file system does not honour
/// OS locks, the holder file is the fallback: a live holder on this host refuses, a dead one is taken over.
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file's name inside the folder.</summary>
    public const string FileName = ".vptsurv.lock";

    private readonly FileStream _lock;
    private readonly string _holderPath;

    private FolderLock(string folder, FileStream @lock, string holderPath, LockHolder holder, LockHolder? takenOver)
    {
        Folder = folder;
        _lock = @lock;
        _holderPath = holderPath;
        Holder = holder;
        TakenOver = takenOver;
    }

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    /// <summary>This run, as recorded in the holder file.</summary>
    public LockHolder Holder { get; }

    /// <summary>The dead holder whose leftover lock was taken over, or null.</summary>
    public LockHolder? TakenOver { get; }

    /// <summary>
    /// Locks <paramref name="folder"/> (created when missing) for this run, or throws <see cref="CliInputException"/>
    /// at once naming the holder. <paramref name="what"/> names the folder's role in the message ("output folder").
    /// </summary>
    public static FolderLock Acquire(string folder, string what)
    {
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        string lockPath = Path.Combine(folder, FileName), holderPath = lockPath + ".holder";
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            throw Busy(folder, what, AwaitHolder(holderPath));
        }
        try
        {
            var previous = ReadHolder(holderPath);
            var me = new LockHolder(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow, CommandLine());
            // The OS lock is ours; a recorded holder still alive means the file system ignored it (some network mounts).
            if (previous is not null && previous.Pid != me.Pid && previous.IsAlive())
                throw Busy(folder, what, previous);
            // The lock file itself stays empty and unchanged (a refused rerun must leave the folder byte for byte as it was).
            var json = JsonSerializer.Serialize(me);
            AtomicFile.WriteAllText(holderPath, json);
            return new FolderLock(folder, stream, holderPath, me, previous is not null && previous.Pid != me.Pid ? previous : null);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The recorded holder of <paramref name="folder"/>'s lock, or null when none was recorded.</summary>
    public static LockHolder? HolderOf(string folder) => ReadHolder(Path.Combine(Path.GetFullPath(folder), FileName) + ".holder");

    /// <summary>Clears the holder record and releases the OS lock (the lock file stays: deleting it would race a waiter).</summary>
    public void Dispose()
    {
        try { File.Delete(_holderPath); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        _lock.Dispose();
    }

    /// <summary>
    /// The holder record of a folder whose OS lock was just refused. The winner writes it right after taking the lock, so
    /// a run that lost by microseconds waits for it (up to 2 s) and its refusal can name the holder.
    /// </summary>
    private static LockHolder? AwaitHolder(string holderPath)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        LockHolder? holder;
        while ((holder = ReadHolder(holderPath)) is null && clock.ElapsedMilliseconds < 2000)
            Thread.Sleep(20);
        return holder;
    }

    private static CliInputException Busy(string folder, string what, LockHolder? holder) =>
        new($"The {what} '{folder}' is in use by another run ({(holder is null ? "holder not recorded yet" : holder.ToString())}); nothing was changed. " +
            $"Wait for that run to finish, or choose another folder. (Lock file: {Path.Combine(folder, FileName)}.)");

    private static LockHolder? ReadHolder(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<LockHolder>(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // a damaged record names no one; the OS lock still decides
        }
    }

    private static string CommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        var text = string.Join(' ', args.Skip(1).Prepend(Path.GetFileNameWithoutExtension(args[0])));
        return text.Length > 200 ? text[..200] + "…" : text;
    }
}
