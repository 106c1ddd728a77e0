namespace VPTSurv.Data;

/// <summary>One thing wrong with a manifest: where (line, column) and what was expected.</summary>
/// <param name="Line">1-based line of the file (the header is line 1).</param>
/// <param name="Column">The column concerned, or null for the whole row.</param>
/// <param name="Message">What is wrong and what was expected.</param>
public sealed record ManifestProblem(int Line, string? Column, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Column is null ? $"line {Line}: {Message}" : $"line {Line}, column '{Column}': {Message}";
}

/// <summary>A manifest that cannot be used; <see cref="Problems"/> lists every problem found, each naming its line.</summary>
public sealed class ManifestValidationException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ManifestValidationException(string path, IReadOnlyList<ManifestProblem> problems)
        : base(Describe(path, problems))
    {
        Path = path;
        Problems = problems;
    }

    /// <summary>The manifest file.</summary>
    public string Path { get; }

    /// <summary>Every problem, in file order.</summary>
    public IReadOnlyList<ManifestProblem> Problems { get; }

    private static string Describe(string path, IReadOnlyList<ManifestProblem> problems)
    {
        const int shown = 20;
        var lines = problems.Take(shown).Select(p => "  " + p);
        var more = problems.Count > shown ? [$"  ... and {problems.Count - shown} more"] : Array.Empty<string>();
        return $"Manifest '{path}' has {problems.Count} problem(s):{Environment.NewLine}"
            + string.Join(Environment.NewLine, lines.Concat(more));
    }
}
