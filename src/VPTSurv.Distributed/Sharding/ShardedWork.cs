using System.Diagnostics;
using VPTSurv.Training;

namespace VPTSurv.Distributed.Sharding;

/// <summary>What one slide's work gave: its result file, tiles, whether it was already in the cache, or the error.</summary>
/// <param name="File">The result file (name inside the job's result folder), or null on failure.</param>
/// <param name="Tiles">Tiles of the result.</param>
/// <param name="FromCache">Whether the result was already in the cache (nothing computed).</param>
/// <param name="Error">Why it failed, or null.</param>
public sealed record SlideOutcome(string? File, int Tiles, bool FromCache, string? Error)
{
    /// <summary>A failure with <paramref name="error"/>.</summary>
    public static SlideOutcome Failure(string error) => new(null, 0, false, error);
}

/// <summary>
/// The per-slide loop every sharded job shares: for each slide of the shard, skip it when its state says done under the
/// same fingerprint and its result exists; otherwise claim it (<see cref="SlideLedger.TryClaim"/>; a slide a live worker
/// holds is left to it) and record "running"; claimed slides are worked on in batches (one call per batch, so per-call
/// costs such as building an encoder are paid once per batch), then recorded "done" or "failed" and released. Everything
/// is counted in a <see cref="ShardSummary"/>.
/// </summary>
public static class ShardedWork
{
    /// <summary>
    /// Runs <paramref name="work"/> on the slides <paramref name="slideIds"/> (this shard's) not done yet, at most
    /// <paramref name="batch"/> per call; <paramref name="work"/> returns one outcome per slide it is given, in order.
    /// <paramref name="fingerprint"/> gives what a slide's result depends on; <paramref name="resultExists"/> whether a
    /// state's result file is still there (the cache decides, not the state). In the folders <paramref name="leftovers"/>
    /// (and the ledger's), a claimed slide's temporary files left by a dead writer are deleted.
    /// </summary>
    public static ShardSummary Run(SlideLedger ledger, IReadOnlyList<string> slideIds, Func<string, string> fingerprint,
        Func<SlideState, bool> resultExists, Func<IReadOnlyList<string>, IReadOnlyList<SlideOutcome>> work, int batch = 1,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancellationToken = default,
        IReadOnlyList<string>? leftovers = null)
    {
        leftovers ??= [];
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(slideIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        bool IsDone(SlideState? s, string fp) => s is { Status: SlideStatus.Done, File: not null } && s.Fingerprint == fp && resultExists(s);
        foreach (var id in slideIds)
            if (ledger.Read(id) is null) ledger.Write(new SlideState(id, SlideStatus.Pending, fingerprint(id)));

        var clock = Stopwatch.StartNew();
        int processed = 0, fromCache = 0, skipped = 0, takenOver = 0, handled = 0;
        long tiles = 0;
        var failed = new List<SlideFailure>();
        var busy = new List<SlideFailure>();
        var claimed = new List<(string Id, string Fingerprint, SlideClaim Claim, int Attempts)>();
        void Handled(int count)
        {
            handled += count;
            progress?.Report(new TrainingProgress("slides", 0, 0, handled, slideIds.Count, double.NaN, null, tiles / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / handled * (slideIds.Count - handled))));
        }
        void Flush()
        {
            if (claimed.Count == 0) return;
            try
            {
                var batchClock = Stopwatch.StartNew();
                var outcomes = work([.. claimed.Select(c => c.Id)]);
                if (outcomes.Count != claimed.Count) throw new InvalidOperationException($"the work gave {outcomes.Count} outcomes for {claimed.Count} slides");
                double seconds = batchClock.Elapsed.TotalSeconds / claimed.Count;
                for (int k = 0; k < claimed.Count; k++)
                {
                    var (id, fp, _, attempts) = claimed[k];
                    var o = outcomes[k];
                    ledger.Write(new SlideState(id, o.Error is null ? SlideStatus.Done : SlideStatus.Failed, fp, o.File, o.Tiles, seconds, o.Error, attempts, ledger.Worker));
                    if (o.Error is { } error) failed.Add(new SlideFailure(id, error));
                    else if (o.FromCache) fromCache++;
                    else
                    {
                        processed++;
                        tiles += o.Tiles;
                    }
                    log?.Invoke($"shard {ledger.Shard}: {id} " + (o.Error is not null ? "failed: " + o.Error
                        : o.FromCache ? "found in the cache" : $"done ({o.Tiles} tiles)"));
                }
            }
            finally
            {
                foreach (var c in claimed) c.Claim.Dispose();
            }
            Handled(claimed.Count);
            claimed.Clear();
        }
        try
        {
            foreach (var id in slideIds)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fp = fingerprint(id);
                if (IsDone(ledger.Read(id), fp))
                {
                    skipped++;
                    Handled(1);
                    continue;
                }
                var claim = ledger.TryClaim(id, out var holder);
                if (claim is null)
                {
                    busy.Add(new SlideFailure(id, $"locked by {holder?.ToString() ?? "another worker"}"));
                    Handled(1);
                    continue;
                }
                var before = ledger.Read(id);
                if (IsDone(before, fp)) // finished by another worker meanwhile
                {
                    claim.Dispose();
                    skipped++;
                    Handled(1);
                    continue;
                }
                if (claim.TakenOver is { } dead)
                {
                    takenOver++;
                    log?.Invoke($"{id}: took over the lock of {dead} (no longer running)");
                }
                foreach (var folder in leftovers.Prepend(ledger.DirectoryPath)) SlideLedger.DeleteLeftovers(folder, id); // a dead writer's half files
                int attempts = (before?.Attempts ?? 0) + 1;
                ledger.Write(new SlideState(id, SlideStatus.Running, fp, Attempts: attempts, Worker: ledger.Worker));
                claimed.Add((id, fp, claim, attempts));
                if (claimed.Count == batch) Flush();
            }
            Flush();
        }
        finally
        {
            foreach (var c in claimed) c.Claim.Dispose();
        }
        return new ShardSummary(ledger.Shard.ToString(), slideIds.Count, processed, fromCache, skipped, failed, busy, takenOver, tiles, clock.Elapsed.TotalSeconds);
    }
}
