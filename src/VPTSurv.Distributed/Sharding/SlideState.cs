namespace VPTSurv.Distributed.Sharding;

/// <summary>Where a slide stands in a sharded job.</summary>
public enum SlideStatus
{
    /// <summary>Assigned, not started.</summary>
    Pending,

    /// <summary>A worker holds its lock and works on it (or died doing so: its lock is then free).</summary>
    Running,

    /// <summary>Its result is in the cache (<see cref="SlideState.File"/>).</summary>
    Done,

    /// <summary>It could not be processed (<see cref="SlideState.Error"/>); a rerun tries again.</summary>
    Failed,
}

/// <summary>
/// One slide's progress record (<c>&lt;state&gt;/&lt;slide&gt;.json</c>). It records progress only: the content-keyed
/// cache is the source of truth, so "done" counts only while <see cref="File"/> exists and <see cref="Fingerprint"/>
/// (encoder weights, tiling settings, slide source) matches the current run.
/// </summary>
/// <param name="SlideId">The slide.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Fingerprint">What the result depends on (hex), so a changed preset or encoder makes "done" stale.</param>
/// <param name="File">The cache file (name inside the cache folder) when done.</param>
/// <param name="Tiles">Tiles in the result when done.</param>
/// <param name="Seconds">Wall time of the last attempt.</param>
/// <param name="Error">Why the last attempt failed.</param>
/// <param name="Attempts">Attempts so far (a takeover after a crash counts one more).</param>
/// <param name="Worker">The last worker: "shard i/n, pid P on host H".</param>
/// <param name="UpdatedUtc">When this record was written.</param>
public sealed record SlideState(string SlideId, SlideStatus Status, string Fingerprint, string? File = null, int Tiles = 0,
    double Seconds = 0, string? Error = null, int Attempts = 0, string? Worker = null, DateTime UpdatedUtc = default);
