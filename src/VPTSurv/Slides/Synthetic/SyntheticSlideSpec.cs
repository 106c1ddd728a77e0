using System.Globalization;
using System.Text;

namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// Everything that determines a synthetic slide, written as a one-line string that a manifest can hold in its
/// <c>source</c> column:
/// <c>synthetic:v1;seed=123;stain=CD8;immune=0.7;infiltration=0.2;grade=0.5;architecture=0.3</c>.
/// Keys may come in any order on parsing; <see cref="ToString"/> writes the canonical order, and numbers in their
/// shortest round-trip form, so that <c>Parse(s).ToString() == s</c> for every canonical string.
/// </summary>
/// <param name="Seed">Drives the slide's size, tissue outline, nest layout and every cell.</param>
/// <param name="Stain">Which lymphocytes are DAB-positive.</param>
/// <param name="Factors">The slide's latent factors.</param>
public sealed record SyntheticSlideSpec(ulong Seed, IhcStain Stain, LatentFactors Factors)
{
    /// <summary>What every synthetic spec starts with.</summary>
    public const string Prefix = "synthetic:";

    /// <summary>The rendering version this spec format describes; a new renderer gets a new version.</summary>
    public const string Version = "v1";

    private static readonly string[] Keys = ["seed", "stain", "immune", "infiltration", "grade", "architecture"];

    /// <summary>True when <paramref name="source"/> is a synthetic spec rather than a file path.</summary>
    public static bool IsSpec(string? source) => source is not null && source.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Parses a spec; the exception names the part that is wrong and what was expected.</summary>
    public static SyntheticSlideSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!IsSpec(spec))
            throw new FormatException($"Synthetic spec '{spec}' must start with '{Prefix}'.");
        var parts = spec[Prefix.Length..].Split(';');
        if (parts[0] != Version)
            throw new FormatException($"Synthetic spec '{spec}': version '{parts[0]}' is not supported (expected '{Version}').");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0)
                throw new FormatException($"Synthetic spec '{spec}': '{part}' is not key=value.");
            string key = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
            if (Array.IndexOf(Keys, key) < 0)
                throw new FormatException($"Synthetic spec '{spec}': unknown key '{key}' (expected {string.Join(", ", Keys)}).");
            if (!values.TryAdd(key, value))
                throw new FormatException($"Synthetic spec '{spec}': key '{key}' given twice.");
        }
        foreach (var key in Keys)
            if (!values.ContainsKey(key))
                throw new FormatException($"Synthetic spec '{spec}': key '{key}' is missing.");

        if (!ulong.TryParse(values["seed"], NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            throw new FormatException($"Synthetic spec '{spec}': seed '{values["seed"]}' is not a non-negative integer.");
        if (!Enum.TryParse<IhcStain>(values["stain"], ignoreCase: false, out var stain) || !Enum.IsDefined(stain))
            throw new FormatException($"Synthetic spec '{spec}': stain '{values["stain"]}' is not one of {string.Join(", ", Enum.GetNames<IhcStain>())}.");
        var factors = new LatentFactors(Factor(spec, values, "immune"), Factor(spec, values, "infiltration"),
            Factor(spec, values, "grade"), Factor(spec, values, "architecture"));
        return new SyntheticSlideSpec(seed, stain, factors);
    }

    private static double Factor(string spec, Dictionary<string, string> values, string key)
    {
        if (!double.TryParse(values[key], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v >= 0 && v <= 1))
            throw new FormatException($"Synthetic spec '{spec}': {key} '{values[key]}' is not a number in [0, 1].");
        return v;
    }

    /// <summary>The canonical spec string.</summary>
    public override string ToString()
    {
        Factors.Validate();
        var sb = new StringBuilder(Prefix).Append(Version);
        sb.Append(";seed=").Append(Seed.ToString(CultureInfo.InvariantCulture));
        sb.Append(";stain=").Append(Stain.ToString());
        sb.Append(";immune=").Append(Factors.Immune.ToString("R", CultureInfo.InvariantCulture));
        sb.Append(";infiltration=").Append(Factors.Infiltration.ToString("R", CultureInfo.InvariantCulture));
        sb.Append(";grade=").Append(Factors.Grade.ToString("R", CultureInfo.InvariantCulture));
        sb.Append(";architecture=").Append(Factors.Architecture.ToString("R", CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
