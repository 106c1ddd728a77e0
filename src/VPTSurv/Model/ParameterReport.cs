namespace VPTSurv.Model;

/// <summary>Parameter counts of one part of the model.</summary>
/// <param name="Part">The part's name.</param>
/// <param name="Trainable">Parameters with requires_grad.</param>
/// <param name="Frozen">Parameters without.</param>
public sealed record ParameterCount(string Part, long Trainable, long Frozen)
{
    /// <summary>All parameters of the part.</summary>
    public long Total => Trainable + Frozen;
}

/// <summary>Trainable and frozen parameter counts per part of a <see cref="VPTSurvModel"/>.</summary>
/// <param name="Parts">Encoder, prompt sources, adaptors, Up, decoder.</param>
public sealed record ParameterReport(IReadOnlyList<ParameterCount> Parts)
{
    /// <summary>Trainable parameters in all parts.</summary>
    public long Trainable => Parts.Sum(p => p.Trainable);

    /// <summary>Frozen parameters in all parts.</summary>
    public long Frozen => Parts.Sum(p => p.Frozen);

    /// <summary>The row of <paramref name="part"/>.</summary>
    public ParameterCount this[string part] => Parts.FirstOrDefault(p => p.Part == part)
        ?? throw new KeyNotFoundException($"No part '{part}' in the parameter report; parts: {string.Join(", ", Parts.Select(p => p.Part))}.");

    /// <summary>Counts the parameters of <paramref name="model"/> by part (from their state-key prefixes).</summary>
    public static ParameterReport Of(VPTSurvModel model)
    {
        string[] order = ["encoder", "prompt sources", "adaptors", "up", "decoder"];
        var counts = order.ToDictionary(p => p, _ => (Trainable: 0L, Frozen: 0L));
        foreach (var (name, p) in model.named_parameters())
        {
            string part = name switch
            {
                _ when name.StartsWith("encoder.vit.", StringComparison.Ordinal) => "encoder",
                _ when name.StartsWith("encoder.adaptors.", StringComparison.Ordinal) => "adaptors",
                _ when name.StartsWith("encoder.up.", StringComparison.Ordinal) => "up",
                _ when name.StartsWith("encoder.", StringComparison.Ordinal) => "prompt sources",
                _ => "decoder",
            };
            var c = counts[part];
            counts[part] = p.requires_grad ? (c.Trainable + p.numel(), c.Frozen) : (c.Trainable, c.Frozen + p.numel());
        }
        return new ParameterReport(order.Select(p => new ParameterCount(p, counts[p].Trainable, counts[p].Frozen)).ToList());
    }

    /// <summary>A fixed-width table: part, trainable, frozen, and the trainable share of the total.</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"{"part",-16}{"trainable",14}{"frozen",14}" };
        lines.AddRange(Parts.Select(p => $"{p.Part,-16}{p.Trainable,14:N0}{p.Frozen,14:N0}"));
        long total = Trainable + Frozen;
        lines.Add($"{"total",-16}{Trainable,14:N0}{Frozen,14:N0}");
        lines.Add($"trainable share: {(total == 0 ? 0 : 100.0 * Trainable / total):F2}%");
        return string.Join(Environment.NewLine, lines);
    }
}
