using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// timm's VisionTransformer trunk with state keys matching timm: <c>patch_embed.proj</c>, <c>cls_token</c>,
/// <c>reg_token</c>, <c>pos_embed</c> (1, L, d), <c>blocks.N.{norm1, attn.qkv, attn.proj, ls1.gamma, norm2,
/// mlp.fc1, mlp.fc2, ls2.gamma}</c>, <c>norm</c>. Its token state is (N, prefix + n, d); prompts and pooling use
/// only the patch tokens.
/// </summary>
public sealed class TimmViT : ViTEncoder
{
    private readonly PatchEmbed patch_embed;
    private readonly Parameter? cls_token;
    private readonly Parameter? reg_token;
    private readonly Parameter pos_embed;
    private readonly ModuleList<TimmBlock> blocks;
    private readonly LayerNorm? norm;
    private readonly int prefix;

    /// <summary>Builds the encoder with random weights (normal(0, 0.02) position table, as timm's).</summary>
    public TimmViT(TimmViTConfig config) : base("VisionTransformer", config)
    {
        prefix = config.PrefixTokens;
        patch_embed = new PatchEmbed(config.PatchSize, config.Width);
        if (config.ClassToken)
            cls_token = nn.Parameter(nn.init.normal_(empty(1, 1, config.Width), std: 1e-6));
        if (config.RegisterTokens > 0)
            reg_token = nn.Parameter(nn.init.normal_(empty(1, config.RegisterTokens, config.Width), std: 1e-6));
        pos_embed = nn.Parameter(nn.init.normal_(empty(1, config.PositionLength, config.Width), std: 0.02));
        blocks = new ModuleList<TimmBlock>(Enumerable.Range(0, config.Depth).Select(_ => new TimmBlock(config)).ToArray());
        if (config.FinalNorm)
            norm = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public new TimmViTConfig Config => (TimmViTConfig)base.Config;

    /// <inheritdoc />
    public override Tensor EmbedPatches(Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var x = patch_embed.forward(normalized); // (N, d, g, g)
        return x.flatten(2).transpose(1, 2).MoveToOuterDisposeScope(); // (N, n, d)
    }

    /// <inheritdoc />
    public override Tensor Start(Tensor patchTokens)
    {
        using var scope = NewDisposeScope();
        long b = patchTokens.shape[0], d = patchTokens.shape[2];
        var prefixTokens = new List<Tensor>();
        if (cls_token is not null) prefixTokens.Add(cls_token.expand(b, -1, -1));
        if (reg_token is not null) prefixTokens.Add(reg_token.expand(b, -1, -1));
        Tensor x;
        if (Config.NoEmbedClass)
        {
            x = patchTokens + pos_embed;
            if (prefixTokens.Count > 0) x = cat([.. prefixTokens, x], 1); // (N, prefix + n, d)
        }
        else
        {
            x = prefixTokens.Count > 0 ? cat([.. prefixTokens, patchTokens], 1) : patchTokens; // (N, prefix + n, d)
            x = x + pos_embed;
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor RunBlock(int index, Tensor state, Tensor? prompt)
    {
        using var scope = NewDisposeScope();
        if (prompt is not null)
        {
            // Prefix tokens get no prompt: pad the prompt with zeros in front of the patch tokens.
            var padded = prefix > 0 ? nn.functional.pad(prompt, [0, 0, prefix, 0]) : prompt; // (N, prefix + n, d)
            state = state + padded;
        }
        return blocks[index].forward(state).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Finish(Tensor state)
    {
        using var scope = NewDisposeScope();
        var x = norm is null ? state : norm.forward(state);
        return x[.., prefix.., ..].contiguous().MoveToOuterDisposeScope(); // (N, n, d)
    }

    /// <summary>The full normalised token sequence (N, prefix + n, d), prefix tokens included, as timm's forward_features.</summary>
    public Tensor ForwardFeatures(Tensor tiles)
    {
        using var scope = NewDisposeScope();
        var state = Start(EmbedPatches(Normalize(tiles)));
        for (int i = 0; i < Depth; i++)
            state = RunBlock(i, state, null);
        return (norm is null ? state : norm.forward(state)).MoveToOuterDisposeScope();
    }
}
