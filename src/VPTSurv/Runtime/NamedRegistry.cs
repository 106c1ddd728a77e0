namespace VPTSurv.Runtime;

/// <summary>
/// Entries by lower-case name, safe to use from several threads: what the decoder and prompt-source registries share.
/// The built-in entries come first, then the users', in order of registration.
/// </summary>
/// <typeparam name="T">The entry type.</typeparam>
/// <param name="kind">What an entry is, for messages ("Decoder", "Prompt source").</param>
/// <param name="nameOf">An entry's name.</param>
/// <param name="builtIn">The library's entries.</param>
internal sealed class NamedRegistry<T>(string kind, Func<T, string> nameOf, IEnumerable<T> builtIn) where T : class
{
    private readonly object gate = new();
    private readonly List<T> entries = [.. builtIn];

    /// <summary>Every registered name.</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (gate) return [.. entries.Select(nameOf)]; }
    }

    /// <summary>
    /// Adds <paramref name="entry"/>; its name must be lower case without surrounding spaces, and a name already
    /// registered is an error unless <paramref name="replace"/>.
    /// </summary>
    public void Register(T entry, bool replace)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var name = nameOf(entry);
        if (string.IsNullOrWhiteSpace(name) || name != name.Trim().ToLowerInvariant())
            throw new ArgumentException($"{kind} name '{name}' must be non-empty, lower case and without surrounding spaces.", nameof(entry));
        lock (gate)
        {
            int i = entries.FindIndex(e => nameOf(e) == name);
            if (i >= 0 && !replace)
                throw new ArgumentException($"{kind} '{name}' is already registered; pass replace: true to replace it.", nameof(entry));
            if (i >= 0) entries[i] = entry;
            else entries.Add(entry);
        }
    }

    /// <summary>The entry named <paramref name="name"/> (case-insensitive), or null.</summary>
    public T? TryGet(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        lock (gate) return entries.FirstOrDefault(e => nameOf(e) == key);
    }

    /// <summary>The entry named <paramref name="name"/>; an unknown name is an error listing the known ones and <paramref name="hint"/>.</summary>
    public T Get(string name, string hint = "") =>
        TryGet(name) ?? throw new ArgumentException($"Unknown {kind.ToLowerInvariant()} '{name}'; expected one of {string.Join(", ", Names)}{hint}.", nameof(name));

    /// <summary>The first entry that satisfies <paramref name="match"/>, or null.</summary>
    public T? Find(Func<T, bool> match)
    {
        lock (gate) return entries.FirstOrDefault(match);
    }
}
