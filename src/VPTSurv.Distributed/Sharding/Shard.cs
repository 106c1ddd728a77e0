using System.Globalization;
using VPTSurv.Distributed.Mpi;

namespace VPTSurv.Distributed.Sharding;

/// <summary>
/// Worker <see cref="Index"/> of <see cref="Count"/>: which slides this process works on. The split is deterministic and
/// independent of the order the slides are listed in: the slide ids are sorted (ordinal) and the one at sorted position
/// p belongs to shard p mod n, so the shards' sizes differ by at most one and every slide is in exactly one shard.
/// </summary>
/// <param name="Index">0 ≤ Index &lt; Count.</param>
/// <param name="Count">Number of shards (workers), ≥ 1.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>One worker doing everything.</summary>
    public static Shard Whole => new(0, 1);

    /// <summary>Whether this is the whole job (0/1).</summary>
    public bool IsWhole => Count == 1;

    /// <summary>"i/n".</summary>
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses "i/n" (0-based i); the message names the argument and what was expected.</summary>
    /// <exception cref="FormatException">Not two integers with 0 ≤ i &lt; n.</exception>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n >= 1 && i < n)
            return new Shard(i, n);
        throw new FormatException($"shard '{text}': expected i/n with 0 <= i < n, e.g. 0/4 for the first of four workers.");
    }

    /// <summary>
    /// The shard of this process: <paramref name="explicitShard"/> when given, else rank/size of the launcher
    /// (<see cref="MpiLaunch.Detect"/>), else <see cref="Whole"/>. An explicit shard under a launcher must agree with it.
    /// </summary>
    /// <exception cref="ArgumentException">An explicit shard that contradicts the launcher's rank and size.</exception>
    public static Shard Resolve(Shard? explicitShard, MpiLaunch? launch)
    {
        if (explicitShard is { } s)
        {
            if (launch is not null && (launch.Rank != s.Index || launch.Size != s.Count))
                throw new ArgumentException($"--shard {s} contradicts the launcher ({launch.Launcher}: rank {launch.Rank} of {launch.Size}); leave --shard out under mpirun or srun.");
            return s;
        }
        return launch is null ? Whole : new Shard(launch.Rank, launch.Size);
    }

    /// <summary>The items of this shard, in their given order.</summary>
    /// <exception cref="ArgumentException">Two items with the same id (they would be assigned ambiguously).</exception>
    public IReadOnlyList<T> Take<T>(IReadOnlyList<T> items, Func<T, string> id)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(id);
        var sorted = items.Select(id).Order(StringComparer.Ordinal).ToList();
        for (int k = 1; k < sorted.Count; k++)
            if (sorted[k] == sorted[k - 1]) throw new ArgumentException($"slide id '{sorted[k]}' occurs twice; shards need distinct ids.", nameof(items));
        int index = Index, count = Count;
        var mine = sorted.Where((_, p) => p % count == index).ToHashSet(StringComparer.Ordinal);
        return [.. items.Where(x => mine.Contains(id(x)))];
    }
}
