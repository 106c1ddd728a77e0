using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Data;
using VPTSurv.Encoders;
using VPTSurv.Model;
using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>
/// The frozen ViT with a trainable adaptor per block: X_i = Block_i(X_{i−1} + P_i), P_i = Up(Adaptor_i(e, prompts)),
/// Up shared and zero-initialised so that before training the output equals the frozen encoder's exactly.
/// The prompt sources are a list of modules (<see cref="PromptSource"/>), each reading what it needs of the
/// <see cref="SlideInput"/>; their tokens are concatenated after the tile prompt as the adaptors' keys and values.
/// State keys: <c>vit.*</c> (frozen), <c>tile.*</c>, one prefix per source named as in the
/// <see cref="PromptSourceRegistry"/> (<c>structure.*</c>, <c>scale.*</c>, <c>tabular.*</c>, users' own),
/// <c>adaptors.N.*</c>, <c>up.*</c>.
/// </summary>
public sealed class PromptedEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ViTEncoder vit;
    private readonly TilePromptSource tile;
    private readonly PromptSource[] sources;
    private readonly ModuleList<Adaptor> adaptors;
    private readonly Linear up;

    /// <summary>
    /// Wraps <paramref name="vit"/> (frozen here) with the prompt sources and adaptors of <paramref name="config"/>.
    /// With <paramref name="seed"/>, each part is initialised from its own stream (<see cref="RandomStreams"/>: the tile
    /// source, each other source — stream "prompts.NAME" —, the adaptors), so which sources are on does not change the
    /// others' initial weights; without it they draw one after another from torch's generator as it stands. The sources
    /// are <see cref="PromptConfig.SourceNames"/>, built from the <see cref="PromptSourceRegistry"/>.
    /// </summary>
    public PromptedEncoder(ViTEncoder vit, PromptConfig config, long? seed = null) : base("PromptedEncoder")
    {
        ArgumentNullException.ThrowIfNull(vit);
        config.Validate();
        Config = config;
        this.vit = vit;
        int d = vit.Width, r = config.Width;
        tile = RandomStreams.Build(seed, RandomStreams.Names.TileSource, () => new TilePromptSource(d, r));
        var shape = new PromptSourceShape(d, vit.Config.PatchSize, config);
        SourceNames = config.SourceNames();
        sources = [.. SourceNames.Select(name => RandomStreams.Build(seed, RandomStreams.Names.PromptSource(name), () => PromptSourceRegistry.Get(name).Build(shape)))];
        adaptors = RandomStreams.Build(seed, RandomStreams.Names.Adaptors,
            () => new ModuleList<Adaptor>(Enumerable.Range(0, vit.Depth).Select(_ => new Adaptor(r, config.Heads)).ToArray()));
        up = RandomStreams.Build(seed, RandomStreams.Names.Adaptors + ".up", () => nn.Linear(r, d)); // zeroed below; seeded only so that it draws nothing from anyone else's stream
        using (no_grad())
        {
            up.weight.zero_();
            up.bias!.zero_();
        }
        // Registered by hand, in this order (the parameters' order, which optimiser checkpoints follow): the sources under their registry names.
        register_module("vit", vit);
        register_module("tile", tile);
        for (int i = 0; i < sources.Length; i++)
            register_module(SourceNames[i], sources[i]);
        register_module("adaptors", adaptors);
        register_module("up", up);
        vit.Freeze();
    }

    /// <summary>The prompt sources besides the tile prompt, in the order their tokens are concatenated.</summary>
    public IReadOnlyList<PromptSource> Sources => sources;

    /// <summary>The sources' registry names (their state-key prefixes), in <see cref="Sources"/>' order.</summary>
    public IReadOnlyList<string> SourceNames { get; }

    /// <summary>What the prompt sources read of the slide input besides the tiles.</summary>
    public SlideInputParts Needs => sources.Aggregate(SlideInputParts.None, (a, s) => a | s.Needs);

    /// <summary>The prompt configuration.</summary>
    public PromptConfig Config { get; }

    /// <summary>The frozen ViT.</summary>
    public ViTEncoder Vit => vit;

    /// <summary>The shared Up projection r -> d (zero at construction).</summary>
    public Linear Up => up;

    /// <summary>
    /// Activation checkpointing (timm's <c>grad_checkpointing</c>): when a graph is being built, each block keeps only
    /// its input state and its adaptor's output and is recomputed during backward (<see cref="CheckpointedBlock"/>).
    /// Same outputs and gradients; no effect without autograd (inference, the graph-free pass of gradient caching).
    /// </summary>
    public bool GradCheckpointing { get; set; }

    /// <summary>Element type of the frozen ViT's weights and activations (float32 unless <see cref="SetFrozenPrecision"/> changed it).</summary>
    public ScalarType FrozenType { get; private set; } = ScalarType.Float32;

    /// <summary>
    /// Casts the frozen ViT's computing weights (patch embedding, blocks, norms, neck; not the position table and
    /// prefix tokens, added once) to <paramref name="type"/> (float32, bfloat16 or float16). Its input is cast to that type
    /// and its tokens back to float32 where they meet the trainable parts (tile source, adaptor prompts, pooling), so
    /// prompt sources, adaptors, Up and the decoder keep float32 weights and gradients.
    /// </summary>
    public void SetFrozenPrecision(ScalarType type)
    {
        if (type is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"The frozen encoder can run in Float32, BFloat16 or Float16, not {type}.", nameof(type));
        // The ViT's submodules (patch embedding, blocks, norms, neck: all the weights that compute) are cast; its own
        // direct parameters (position table, prefix tokens) stay float32 and the token state is cast after Start.
        foreach (var (_, child) in vit.named_children())
            child.to(type);
        vit.Freeze();
        FrozenType = type;
    }

    /// <summary>Keeps the frozen ViT in eval mode whatever mode the rest is switched to.</summary>
    public override void train(bool on = true)
    {
        base.train(on);
        vit.eval();
    }

    /// <summary>Prompted patch tokens of tiles alone (only valid when no source reads more than the tiles).</summary>
    public override Tensor forward(Tensor tiles) => Forward(new SlideInput(tiles));

    /// <summary>
    /// A slide input (tiles (N, 3, T, T) 0..255, and what the sources read: context, covariates, positions) -> last
    /// block's patch tokens (N, n, d).
    /// </summary>
    public Tensor Forward(SlideInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        for (int i = 0; i < sources.Length; i++)
            input.Require(sources[i].Needs, $"The {SourceNames[i]} prompt source");
        using var scope = NewDisposeScope();
        input = input.To(vit.Device);
        var x = vit.Normalize(input.Tiles); // (N, 3, T, T) float32
        var t0 = vit.EmbedPatches(x.to(FrozenType)); // (N, n, d), frozen, in the encoder's type
        var t0f = t0.to(ScalarType.Float32); // what the trainable parts read
        var e = tile.forward(t0f); // (N, n, r)
        var prompts = new List<Tensor> { e };
        if (sources.Length > 0)
        {
            var context = new PromptContext(input, x, t0f, vit.Normalize);
            foreach (var source in sources)
                prompts.Add(source.forward(context)); // (N, L, r)
        }
        var all = prompts.Count == 1 ? e : cat(prompts, 1); // (N, L, r)

        bool checkpoint = GradCheckpointing && is_grad_enabled();
        var state = vit.Start(t0).to(FrozenType); // the position table stays fp32
        for (int i = 0; i < vit.Depth; i++)
        {
            var a = adaptors[i].forward(e, all); // (N, n, r)
            state = checkpoint
                ? CheckpointedBlock.Run(vit, i, state, a, up)
                : vit.RunBlock(i, state, CheckpointedBlock.Prompt(a, up.weight!, up.bias!, FrozenType)); // P_i (N, n, d)
        }
        return vit.Finish(state).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The frozen ViT without prompts, in <see cref="FrozenType"/>: tiles (N, 3, T, T) 0..255 -> last block's patch
    /// tokens (N, n, d) in float32. Equals <see cref="Forward"/> while Up is zero.
    /// </summary>
    public Tensor ForwardFrozen(Tensor tiles)
    {
        using var scope = NewDisposeScope();
        var state = vit.Start(vit.EmbedPatches(vit.Normalize(tiles.to(vit.Device)).to(FrozenType))).to(FrozenType); // the encoder's layout
        for (int i = 0; i < vit.Depth; i++)
            state = vit.RunBlock(i, state, null);
        return vit.Finish(state).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
