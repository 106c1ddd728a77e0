using System.Diagnostics;
using System.Text.Json;
using VPTSurv.Runtime;

namespace VPTSurv.Distributed.Sharding;

/// <summary>Who holds a slide's lock: process id, host, start time (UTC) and shard, as recorded beside the lock.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="Host">Machine name.</param>
/// <param name="Since">When the lock was taken (UTC).</param>
/// <param name="Shard">The holder's shard ("i/n").</param>
public sealed record SlideLockHolder(int Pid, string Host, DateTime Since, string Shard)
{
    /// <summary>"pid 123 on host h (shard 0/2) since 05:40:00Z".</summary>
    public override string ToString() => $"pid {Pid} on host {Host} (shard {Shard}) since {Since:HH:mm:ss}Z";

    /// <summary>
    /// Whether the holder still counts: a process on this host counts while it runs (a reused pid started after the lock
    /// does not); a holder on another host, whose process cannot be checked, counts until <paramref name="timeout"/> has
    /// passed since it took the lock.
    /// </summary>
    public bool IsLive(TimeSpan timeout, DateTime nowUtc)
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal)) return nowUtc - Since < timeout;
        try
        {
            using var p = Process.GetProcessById(Pid);
            return !p.HasExited && p.StartTime.ToUniversalTime() <= Since.AddSeconds(1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>
/// Per-slide locks and state files of a sharded job, in one folder beside the cache. A worker claims a slide
/// (<see cref="TryClaim"/>) before working on it: an OS lock (<c>flock</c>, through <see cref="FileShare.None"/>) on
/// <c>&lt;slide&gt;.lock</c>, held open while it works, so two workers never hold the same slide and the kernel frees the
/// lock of a worker that dies (kill -9 included) at once. The holder is recorded in <c>&lt;slide&gt;.lock.holder</c>; where
/// the file system ignores OS locks (some network mounts) that record decides instead: a holder on this host is taken
/// over once its process is gone, a holder on another host once <see cref="LockTimeout"/> has passed since it took the
/// lock. State files (<see cref="SlideState"/>, <c>&lt;slide&gt;.json</c>) record progress and are written atomically.
/// </summary>
public sealed class SlideLedger
{
    /// <summary>snake_case keys and lower-case statuses ("pending", "running", "done", "failed").</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter<SlideStatus>(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>A ledger in <paramref name="directory"/> (created when missing).</summary>
    public SlideLedger(string directory, Shard shard, TimeSpan lockTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockTimeout, TimeSpan.Zero);
        Directory.CreateDirectory(directory);
        DirectoryPath = Path.GetFullPath(directory);
        Shard = shard;
        LockTimeout = lockTimeout;
    }

    /// <summary>The folder of lock and state files.</summary>
    public string DirectoryPath { get; }

    /// <summary>This worker's shard (recorded in its locks and states).</summary>
    public Shard Shard { get; }

    /// <summary>How long a lock recorded by another host counts when the file system does not honour OS locks.</summary>
    public TimeSpan LockTimeout { get; }

    /// <summary>This worker as recorded in states: "shard i/n, pid P on host H".</summary>
    public string Worker => $"shard {Shard}, pid {Environment.ProcessId} on host {Environment.MachineName}";

    /// <summary>The state file of <paramref name="slideId"/>.</summary>
    public string StatePath(string slideId) => Path.Combine(DirectoryPath, Safe(slideId) + ".json");

    /// <summary>The lock file of <paramref name="slideId"/>.</summary>
    public string LockPath(string slideId) => Path.Combine(DirectoryPath, Safe(slideId) + ".lock");

    /// <summary>The recorded state of <paramref name="slideId"/>, or null (none yet, or unreadable: treated as not started).</summary>
    public SlideState? Read(string slideId)
    {
        try
        {
            var path = StatePath(slideId);
            return File.Exists(path) ? JsonSerializer.Deserialize<SlideState>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="state"/> atomically (stamped with the time).</summary>
    public void Write(SlideState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        AtomicFile.WriteAllText(StatePath(state.SlideId), JsonSerializer.Serialize(state with { UpdatedUtc = DateTime.UtcNow }, Json));
    }

    /// <summary>
    /// Claims <paramref name="slideId"/>: the claim (dispose it to release), or null with the live holder when another
    /// worker has it. <see cref="SlideClaim.TakenOver"/> names an abandoned holder whose lock was taken over.
    /// </summary>
    public SlideClaim? TryClaim(string slideId, out SlideLockHolder? holder)
    {
        string lockPath = LockPath(slideId), holderPath = lockPath + ".holder";
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            holder = ReadHolder(holderPath);
            return null;
        }
        try
        {
            var previous = ReadHolder(holderPath);
            if (previous is not null && previous.Pid != Environment.ProcessId && previous.IsLive(LockTimeout, DateTime.UtcNow))
            {
                stream.Dispose(); // the file system ignored the OS lock and someone live holds it
                holder = previous;
                return null;
            }
            var me = new SlideLockHolder(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow, Shard.ToString());
            AtomicFile.WriteAllText(holderPath, JsonSerializer.Serialize(me, Json));
            holder = me;
            return new SlideClaim(stream, holderPath, previous is not null && previous.Pid != me.Pid ? previous : null);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Deletes the temporary files (<see cref="AtomicFile"/>'s ".name.guid.tmp.ext") that a dead writer left for
    /// <paramref name="slideId"/> in <paramref name="directory"/>: its state file here, and in a cache folder its files
    /// named "&lt;slide&gt;-&lt;16 hex&gt;". Call only while holding the slide's claim (nobody else writes them then);
    /// returns how many were deleted.
    /// </summary>
    public static int DeleteLeftovers(string directory, string slideId)
    {
        if (!Directory.Exists(directory)) return 0;
        var safe = System.Text.RegularExpressions.Regex.Escape(Safe(slideId));
        var pattern = new System.Text.RegularExpressions.Regex($@"^\.{safe}(-[0-9a-f]{{16}})?\.[0-9a-f]{{32}}\.tmp(\.[a-z]+)?$");
        int deleted = 0;
        foreach (var f in Directory.EnumerateFiles(directory, "." + Safe(slideId) + "*"))
            if (pattern.IsMatch(Path.GetFileName(f)))
            {
                try
                {
                    File.Delete(f);
                    deleted++;
                }
                catch (IOException) { }
            }
        return deleted;
    }

    private static SlideLockHolder? ReadHolder(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<SlideLockHolder>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // a damaged record names no one; the OS lock still decides
        }
    }

    private static string Safe(string id) => Training.TilePoolSource.Sanitize(id); // as the caches name their files
}

/// <summary>A held slide lock; disposing it clears the holder record and releases the OS lock.</summary>
public sealed class SlideClaim : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _holderPath;

    internal SlideClaim(FileStream @lock, string holderPath, SlideLockHolder? takenOver)
    {
        _lock = @lock;
        _holderPath = holderPath;
        TakenOver = takenOver;
    }

    /// <summary>The abandoned holder (dead, or timed out) whose lock this claim took over, or null.</summary>
    public SlideLockHolder? TakenOver { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        try { File.Delete(_holderPath); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        _lock.Dispose();
    }
}
