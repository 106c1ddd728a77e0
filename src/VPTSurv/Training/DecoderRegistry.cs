using VPTSurv.Decoders;
using VPTSurv.Runtime;

namespace VPTSurv.Training;

/// <summary>
/// The bag decoders by name: the VPTSurv decoder and the five two-stage baselines, each sized for a preset as the
/// paper's runs use them (the baseline's own Smoke, Cpu or Paper configuration, picked by the preset's name, on the
/// encoder's width, with the preset's bins; HVTSurv's tile step is the preset's tile size). Users add their own with
/// <see cref="Register"/>; the CLI, the bench, the notebooks and the model file all look decoders up here.
/// </summary>
public static class DecoderRegistry
{
    private static readonly NamedRegistry<DecoderEntry> Entries = new("Decoder", e => e.Name,
    [
        BuiltIn("vptsurv", "VPTSurv decoder", typeof(VPTSurvDecoder), p => new VPTSurvDecoder(p.Decoder)),
        // ABMIL and DeepAttnMISL (no normalisation between their input projection and the attention pooling) under-train at
        // the Cpu preset's 2e-4: a sweep on validation C (synthetic-cd4 and -cd8, seeds 0 and 1) raised their mean by
        // 0.065 and 0.076 at 1e-3, while the four other decoders lost 0.003-0.072 there and keep the preset's rate
        // (bench/results/cpu-seeds-diagnostics-2026-12-07/README.md).
        BuiltIn("abmil", "ABMIL", typeof(Abmil), p => new Abmil(Sized(p, AbmilConfig.Smoke, AbmilConfig.Cpu, AbmilConfig.Paper) with { Bins = p.Training.Bins }),
            cpuLearningRate: 1e-3),
        BuiltIn("transmil", "TransMIL", typeof(TransMil),
            p => new TransMil(Sized(p, TransMilConfig.Smoke, TransMilConfig.Cpu, TransMilConfig.Paper) with { Bins = p.Training.Bins })),
        BuiltIn("patchgcn", "PatchGCN", typeof(PatchGcn),
            p => new PatchGcn(Sized(p, PatchGcnConfig.Smoke, PatchGcnConfig.Cpu, PatchGcnConfig.Paper) with { Bins = p.Training.Bins })),
        BuiltIn("deepattnmisl", "DeepAttnMISL", typeof(DeepAttnMisl),
            p => new DeepAttnMisl(Sized(p, DeepAttnMislConfig.Smoke, DeepAttnMislConfig.Cpu, DeepAttnMislConfig.Paper) with { Bins = p.Training.Bins }),
            cpuLearningRate: 1e-3),
        // Positions reach the decoder in pixels at the target MPP, one tile = the preset's tile size apart.
        BuiltIn("hvtsurv", "HVTSurv", typeof(HvtSurv),
            p => new HvtSurv(Sized(p, HvtSurvConfig.Smoke, HvtSurvConfig.Cpu, HvtSurvConfig.Paper) with { Bins = p.Training.Bins, TileSize = p.Training.TileSize })),
    ]);

    /// <summary>The names of the six decoders the library ships, in the paper's order of presentation.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["vptsurv", "abmil", "transmil", "patchgcn", "deepattnmisl", "hvtsurv"];

    /// <summary>Every registered name (the built-in ones first, then the users', in order of registration).</summary>
    public static IReadOnlyList<string> Names => Entries.Names;

    /// <summary>
    /// Adds <paramref name="entry"/>; a name already registered is an error unless <paramref name="replace"/> (a built-in
    /// one can be replaced too, e.g. to change its training defaults).
    /// </summary>
    public static void Register(DecoderEntry entry, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!typeof(BagDecoder).IsAssignableFrom(entry.Type))
            throw new ArgumentException($"Decoder '{entry.Name}': {entry.Type.Name} is not a {nameof(BagDecoder)}.", nameof(entry));
        Entries.Register(entry, replace);
    }

    /// <summary>The decoder named <paramref name="name"/> (case-insensitive); an unknown name is an error listing the known ones.</summary>
    public static DecoderEntry Get(string name) => Entries.Get(name);

    /// <summary>The decoder named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static DecoderEntry? TryGet(string name) => Entries.TryGet(name);

    /// <summary>The entry whose decoder type is named <paramref name="typeName"/> (as a training checkpoint records it), or null.</summary>
    public static DecoderEntry? OfTypeName(string typeName) => Entries.Find(e => e.Type.Name == typeName);

    /// <summary>The entry whose decoder type is <paramref name="type"/>, or null.</summary>
    public static DecoderEntry? OfType(Type type) => Entries.Find(e => e.Type == type);

    private static DecoderEntry BuiltIn(string name, string display, Type type, Func<Preset, BagDecoder> factory, double? cpuLearningRate = null) =>
        new(name, display, type, factory)
        {
            // The decoder's own learning rate per preset; null keeps the preset's. Only the Cpu preset's rates were swept.
            LearningRates = new Dictionary<string, double?> { ["smoke"] = null, ["cpu"] = cpuLearningRate, ["paper"] = null },
        };

    /// <summary>The baseline configuration of the preset's size (Smoke, Cpu, else Paper) on its encoder's width.</summary>
    private static T Sized<T>(Preset preset, Func<int, T> smoke, Func<int, T> cpu, Func<int, T> paper) =>
        (preset.Name switch { "smoke" => smoke, "cpu" => cpu, _ => paper })(preset.Encoder.Width);
}
