namespace VPTSurv.Encoders.Checkpoints;

/// <summary>A checkpoint file is malformed or unsupported; the message names the file, the key and what was expected.</summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public CheckpointFormatException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner) => Path = path;

    /// <summary>The offending file.</summary>
    public string Path { get; }
}

/// <summary>
/// A checkpoint does not fit the model: every missing, unexpected and mis-shaped key is listed in one message
/// (the strict-loading rule of DESIGN §4).
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception listing all problems at once.</summary>
    public CheckpointMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<string> misShaped)
        : base(Describe(source, missing, unexpected, misShaped))
    {
        Missing = missing;
        Unexpected = unexpected;
        MisShaped = misShaped;
    }

    /// <summary>Model keys the checkpoint lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Checkpoint keys (after key mapping) the model does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present in both with different shapes, as "key: checkpoint [..] vs model [..]".</summary>
    public IReadOnlyList<string> MisShaped { get; }

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<string> misShaped)
    {
        var parts = new List<string> { $"{source}: the checkpoint does not fit the model." };
        if (missing.Count > 0) parts.Add($"Missing keys ({missing.Count}): {string.Join(", ", missing)}.");
        if (unexpected.Count > 0) parts.Add($"Unexpected keys ({unexpected.Count}): {string.Join(", ", unexpected)}.");
        if (misShaped.Count > 0) parts.Add($"Mis-shaped keys ({misShaped.Count}): {string.Join("; ", misShaped)}.");
        return string.Join(" ", parts);
    }
}
