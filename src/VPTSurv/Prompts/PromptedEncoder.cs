using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders;
using VPTSurv.Model;
using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>
/// The frozen ViT with a trainable adaptor per block: X_i = Block_i(X_{i−1} + P_i), P_i = Up(Adaptor_i(e, prompts)),
/// Up shared and zero-initialised so that before training the output equals the frozen encoder's exactly.
/// State keys: <c>vit.*</c> (frozen), <c>tile.*</c>, <c>structure.*</c>, <c>scale.*</c>, <c>tabular.*</c>,
/// <c>adaptors.N.*</c>, <c>up.*</c>.
/// </summary>
public sealed class PromptedEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ViTEncoder vit;
    private readonly TilePromptSource tile;
    private readonly StructureSource? structure;
    private readonly ScaleSource? scale;
    private readonly TabularSource? tabular;
    private readonly ModuleList<Adaptor> adaptors;
    private readonly Linear up;

    /// <summary>
    /// Wraps <paramref name="vit"/> (frozen here) with the prompt sources and adaptors of <paramref name="config"/>.
    /// With <paramref name="seed"/>, each part is initialised from its own stream (<see cref="RandomStreams"/>: the tile
    /// source, each other source, the adaptors), so which sources are on does not change the others' initial weights;
    /// without it they draw one after another from torch's generator as it stands.
    /// </summary>
    public PromptedEncoder(ViTEncoder vit, PromptConfig config, long? seed = null) : base("PromptedEncoder")
    {
        config.Validate();
        Config = config;
        this.vit = vit;
        int d = vit.Width, r = config.Width, p = vit.Config.PatchSize;
        tile = RandomStreams.Build(seed, RandomStreams.Names.TileSource, () => new TilePromptSource(d, r));
        if (config.Sources.HasFlag(PromptSources.Structure))
            structure = RandomStreams.Build(seed, RandomStreams.Names.StructureSource, () => new StructureSource(p, r, config.Tau));
        if (config.Sources.HasFlag(PromptSources.Scale))
            scale = RandomStreams.Build(seed, RandomStreams.Names.ScaleSource, () => new ScaleSource(p, r));
        if (config.Sources.HasFlag(PromptSources.Tabular))
            tabular = RandomStreams.Build(seed, RandomStreams.Names.TabularSource, () => new TabularSource(config.Covariates, r));
        adaptors = RandomStreams.Build(seed, RandomStreams.Names.Adaptors,
            () => new ModuleList<Adaptor>(Enumerable.Range(0, vit.Depth).Select(_ => new Adaptor(r, config.Heads)).ToArray()));
        up = nn.Linear(r, d);
        using (no_grad())
        {
            up.weight.zero_();
            up.bias!.zero_();
        }
        RegisterComponents();
        vit.Freeze();
    }

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
        // (TorchSharp 0.107's Module.to fails on a module that redeclares a property with `new`, as SamViT.Config.)
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

    /// <summary>Prompted patch tokens of tiles without context or covariates (only valid with <see cref="PromptSources.None"/> or Structure).</summary>
    public override Tensor forward(Tensor tiles) => Forward(tiles, null, null);

    /// <summary>
    /// Tiles (N, 3, T, T) 0..255, optional context tiles (N, 3, T, T) for the scale source and covariates (C) for
    /// the tabular source -> last block's patch tokens (N, n, d).
    /// </summary>
    public Tensor Forward(Tensor tiles, Tensor? context, Tensor? covariates)
    {
        using var scope = NewDisposeScope();
        var x = vit.Normalize(tiles); // (N, 3, T, T) float32
        var t0 = vit.EmbedPatches(x.to(FrozenType)); // (N, n, d), frozen, in the encoder's type
        var e = tile.forward(t0.to(ScalarType.Float32)); // (N, n, r)
        var prompts = new List<Tensor> { e };
        if (structure is not null)
            prompts.Add(structure.forward(x)); // (N, n, r)
        if (scale is not null)
        {
            if (context is null)
                throw new ArgumentException("The Scale prompt source is enabled but no context tiles were given.", nameof(context));
            if (!context.shape.SequenceEqual(tiles.shape))
                throw new ArgumentException(
                    $"Context tiles must have the tiles' shape ({string.Join(", ", tiles.shape)}), got ({string.Join(", ", context.shape)}).", nameof(context));
            prompts.Add(scale.forward(vit.Normalize(context))); // (N, n, r)
        }
        if (tabular is not null)
        {
            if (covariates is null)
                throw new ArgumentException("The Tabular prompt source is enabled but no covariates were given.", nameof(covariates));
            if (covariates.numel() != Config.Covariates)
                throw new ArgumentException($"Expected {Config.Covariates} covariates, got {covariates.numel()}.", nameof(covariates));
            var token = tabular.forward(covariates.to(ScalarType.Float32).to(tiles.device)); // (1, 1, r)
            prompts.Add(token.expand(e.shape[0], 1, -1)); // (N, 1, r)
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
        var state = vit.Start(vit.EmbedPatches(vit.Normalize(tiles).to(FrozenType))).to(FrozenType); // the encoder's layout
        for (int i = 0; i < vit.Depth; i++)
            state = vit.RunBlock(i, state, null);
        return vit.Finish(state).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
