using VPTSurv.Data;
using VPTSurv.Runtime;

namespace VPTSurv.Prompts;

/// <summary>The sizes a prompt source is built for.</summary>
/// <param name="EncoderWidth">The frozen encoder's width d.</param>
/// <param name="PatchSize">The encoder's patch size P (image sources embed with a P x P conv, one token per patch).</param>
/// <param name="Config">The prompt configuration (its width r, τ, covariate count).</param>
public sealed record PromptSourceShape(int EncoderWidth, int PatchSize, PromptConfig Config)
{
    /// <summary>The prompt width r every source must produce.</summary>
    public int Width => Config.Width;
}

/// <summary>
/// One prompt source of the <see cref="PromptSourceRegistry"/>: its name (the state key of its weights and what
/// <see cref="PromptConfig.Extra"/> and saved models write), its type, what it reads of the slide input, and a factory.
/// </summary>
/// <param name="Name">Lower-case name, e.g. "structure" (unique in the registry; not vit, tile, adaptors or up).</param>
/// <param name="Type">The source type the factory builds.</param>
/// <param name="Needs">What the source reads of the slide input besides the tiles (the pipelines load it).</param>
/// <param name="Factory">Builds the source for the encoder's sizes.</param>
/// <example><code>
/// PromptSourceRegistry.Register(new PromptSourceEntry("stain", typeof(StainSource), SlideInputParts.None, s => new StainSource(s.Width)));
/// var preset = Preset.Cpu with { Prompts = Preset.Cpu.Prompts with { Extra = ["stain"] } };
/// </code></example>
public sealed record PromptSourceEntry(string Name, Type Type, SlideInputParts Needs, Func<PromptSourceShape, PromptSource> Factory)
{
    /// <summary>A new source for <paramref name="shape"/>; throws when the factory builds another type or needs more than declared.</summary>
    public PromptSource Build(PromptSourceShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var source = Factory(shape);
        if (source.GetType() != Type || (source.Needs & ~Needs) != SlideInputParts.None)
        {
            var built = source.GetType().Name;
            var needs = source.Needs;
            source.Dispose();
            throw new InvalidOperationException(built != Type.Name
                ? $"Prompt source '{Name}': its factory built a {built}, but the entry declares {Type.Name}."
                : $"Prompt source '{Name}': the source reads {needs}, but the entry declares {Needs}.");
        }
        return source;
    }
}

/// <summary>
/// The prompt sources by name: the paper's structure, scale and tabular sources (switched on by
/// <see cref="PromptConfig.Sources"/>) and any the user registers (named in <see cref="PromptConfig.Extra"/>). The tile
/// prompt is not here: it is the adaptors' query and always on.
/// </summary>
public static class PromptSourceRegistry
{
    private static readonly string[] Reserved = ["vit", "tile", "adaptors", "up"];
    private static readonly NamedRegistry<PromptSourceEntry> Entries = new("Prompt source", e => e.Name,
    [
        new("structure", typeof(StructureSource), SlideInputParts.None, s => new StructureSource(s.PatchSize, s.Width, s.Config.Tau)),
        new("scale", typeof(ScaleSource), SlideInputParts.Context, s => new ScaleSource(s.PatchSize, s.Width)),
        new("tabular", typeof(TabularSource), SlideInputParts.Covariates, s => new TabularSource(s.Config.Covariates, s.Width)),
    ]);

    /// <summary>The sources the library ships, in the order their tokens are concatenated.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["structure", "scale", "tabular"];

    /// <summary>Every registered name (the built-in ones first, then the users', in order of registration).</summary>
    public static IReadOnlyList<string> Names => Entries.Names;

    /// <summary>
    /// Adds <paramref name="entry"/>; a name already registered is an error unless <paramref name="replace"/>. The
    /// built-in names and the prompted encoder's own parts (vit, tile, adaptors, up) cannot be taken, and a name has no
    /// dots (it is the prefix of the source's state keys).
    /// </summary>
    public static void Register(PromptSourceEntry entry, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Name is null || entry.Name.Contains('.') || Reserved.Contains(entry.Name) || BuiltInNames.Contains(entry.Name))
            throw new ArgumentException($"Prompt source name '{entry.Name}' is taken or has a dot (taken: {string.Join(", ", [.. Reserved, .. BuiltInNames])}).", nameof(entry));
        if (!typeof(PromptSource).IsAssignableFrom(entry.Type))
            throw new ArgumentException($"Prompt source '{entry.Name}': {entry.Type.Name} is not a {nameof(PromptSource)}.", nameof(entry));
        Entries.Register(entry, replace);
    }

    /// <summary>The source named <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static PromptSourceEntry Get(string name) => Entries.Get(name, " (register your own with PromptSourceRegistry.Register)");
}
