using VPTSurv.Decoders;

namespace VPTSurv.Training;

/// <summary>
/// One decoder of the <see cref="DecoderRegistry"/>: its name (what configs and the CLI write), how tables name it, its
/// type, a factory that sizes it for a preset (encoder width, bins, tile size, and the Smoke / Cpu / Paper size of the
/// preset's name), and its training defaults.
/// </summary>
/// <param name="Name">Lower-case name, e.g. "abmil" (unique in the registry).</param>
/// <param name="DisplayName">How tables name it, e.g. "ABMIL".</param>
/// <param name="Type">The decoder type the factory builds (a saved model records <see cref="Name"/>, a checkpoint the type's name).</param>
/// <param name="Factory">Builds the decoder for a preset (reads its encoder width, bins, tile size and name).</param>
/// <example><code>
/// DecoderRegistry.Register(new DecoderEntry("mean", "Mean pool", typeof(MeanPool), p => new MeanPool(p.Encoder.Width, p.Training.Bins)));
/// using var decoder = DecoderRegistry.Get("mean").Build(Preset.Smoke);
/// </code></example>
public sealed record DecoderEntry(string Name, string DisplayName, Type Type, Func<Preset, BagDecoder> Factory)
{
    /// <summary>
    /// The decoder's own learning rate per preset name (e.g. "cpu"); a missing name or a null value keeps the preset's
    /// <see cref="TrainingSettings.LearningRate"/>.
    /// </summary>
    public IReadOnlyDictionary<string, double?> LearningRates { get; init; } = new Dictionary<string, double?>();

    /// <summary>The decoder's learning rate under the preset named <paramref name="presetName"/>, or null for the preset's own.</summary>
    public double? LearningRateFor(string presetName) =>
        LearningRates.TryGetValue(presetName.Trim().ToLowerInvariant(), out var lr) ? lr : null;

    /// <summary>
    /// <paramref name="preset"/> with this decoder's training defaults applied (its learning rate for the preset's name,
    /// when it has one): the preset to train it with.
    /// </summary>
    public Preset TrainingPreset(Preset preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
        return LearningRateFor(preset.Name) is { } lr ? preset with { Training = preset.Training with { LearningRate = lr } } : preset;
    }

    /// <summary>A new decoder sized for <paramref name="preset"/>; throws when the factory builds another type than <see cref="Type"/>.</summary>
    public BagDecoder Build(Preset preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var decoder = Factory(preset);
        if (decoder.GetType() != Type)
        {
            decoder.Dispose();
            throw new InvalidOperationException($"Decoder '{Name}': its factory built a {decoder.GetType().Name}, but the entry declares {Type.Name}.");
        }
        return decoder;
    }
}
