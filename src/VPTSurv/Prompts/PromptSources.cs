using System.Text.Json.Serialization;
using VPTSurv.Data;

namespace VPTSurv.Prompts;

/// <summary>
/// Which prompt sources feed the adaptors' keys and values besides the tile prompt, which is always used (the
/// query). Combine with <c>|</c>; the paper's ablation is <see cref="None"/>, <see cref="Structure"/>,
/// <see cref="StructureScale"/>.
/// </summary>
[Flags]
public enum PromptSources
{
    /// <summary>Only the tile prompt e = Down(t0) (the paper's "VPTSurv" row).</summary>
    None = 0,

    /// <summary>The structure prompt: the tile's high-frequency component, embedded by its own patch conv.</summary>
    Structure = 1,

    /// <summary>The scale prompt: the 2T x 2T context around the tile resized to T, embedded by its own patch conv.</summary>
    Scale = 2,

    /// <summary>The tabular prompt: patient covariates -> one token shared by every tile of the WSI.</summary>
    Tabular = 4,

    /// <summary>Structure and scale (the paper's best row).</summary>
    StructureScale = Structure | Scale,
}

/// <summary>Configuration of the prompt sources and adaptors.</summary>
/// <param name="Sources">The paper's sources used besides the tile prompt.</param>
/// <param name="Width">Prompt width r (the paper: d / 32 = 24 for ViT-B).</param>
/// <param name="Tau">Fraction τ of the spectrum's area removed as low frequencies by the structure prompt (0.25).</param>
/// <param name="Heads">Attention heads of each adaptor (r must be a multiple).</param>
/// <param name="Covariates">Number of patient covariates C read by the tabular prompt (required with <see cref="PromptSources.Tabular"/>).</param>
/// <param name="Extra">Names of further sources from the <see cref="PromptSourceRegistry"/> (users' own), after the paper's; null for none.</param>
public sealed record PromptConfig(PromptSources Sources, int Width, double Tau = 0.25, int Heads = 1, int Covariates = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Extra = null)
{
    /// <summary>The paper's adaptors for width <paramref name="encoderWidth"/>: r = d / 32, one head.</summary>
    public static PromptConfig ForWidth(int encoderWidth, PromptSources sources = PromptSources.None) =>
        new(sources, Math.Max(1, encoderWidth / 32));

    /// <summary>
    /// The registry names of the sources besides the tile prompt, in the order their tokens are concatenated: the
    /// paper's (structure, scale, tabular) as <see cref="Sources"/> switches them on, then <see cref="Extra"/>.
    /// </summary>
    public IReadOnlyList<string> SourceNames() =>
    [
        .. Sources.HasFlag(PromptSources.Structure) ? ["structure"] : Array.Empty<string>(),
        .. Sources.HasFlag(PromptSources.Scale) ? ["scale"] : Array.Empty<string>(),
        .. Sources.HasFlag(PromptSources.Tabular) ? ["tabular"] : Array.Empty<string>(),
        .. (Extra ?? []).Select(n => n.Trim().ToLowerInvariant()),
    ];

    /// <summary>What the sources read of the slide input besides the tiles (as their registry entries declare).</summary>
    /// <remarks>Derived, so not serialised: a preset's JSON (run-store, cache and checkpoint keys) holds only the fields.</remarks>
    [JsonIgnore]
    public SlideInputParts Needs => SourceNames().Aggregate(SlideInputParts.None, (a, n) => a | PromptSourceRegistry.Get(n).Needs);

    /// <summary>Throws naming the field unless the configuration is usable.</summary>
    public void Validate()
    {
        if (Width <= 0 || Heads <= 0 || Width % Heads != 0)
            throw new ArgumentException($"PromptConfig: Width ({Width}) must be a positive multiple of Heads ({Heads}).");
        if (!(Tau >= 0 && Tau < 1))
            throw new ArgumentException($"PromptConfig: Tau must be in [0, 1), got {Tau}.");
        if (Sources.HasFlag(PromptSources.Tabular) && Covariates <= 0)
            throw new ArgumentException("PromptConfig: the Tabular source needs Covariates > 0 (the number of patient covariates).");
        foreach (var name in Extra ?? [])
        {
            if (PromptSourceRegistry.BuiltInNames.Contains(name.Trim().ToLowerInvariant()))
                throw new ArgumentException($"PromptConfig: Extra names '{name}', one of the paper's sources; switch it on with Sources instead.");
            PromptSourceRegistry.Get(name);
        }
        var names = SourceNames();
        if (names.Distinct().Count() != names.Count)
            throw new ArgumentException($"PromptConfig: Extra names a source twice ({string.Join(", ", names)}).");
    }

    /// <summary>Equal when every field is, <see cref="Extra"/> compared name by name.</summary>
    public bool Equals(PromptConfig? other) =>
        other is not null && Sources == other.Sources && Width == other.Width && Tau.Equals(other.Tau) && Heads == other.Heads
        && Covariates == other.Covariates && (Extra ?? []).SequenceEqual(other.Extra ?? []);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(Sources, Width, Tau, Heads, Covariates, string.Join("\u0001", Extra ?? []));
}
