using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Encoders;

/// <summary>
/// SAM's ViT image encoder (segment_anything ImageEncoderViT) with state keys matching SAM's released checkpoint
/// after the <c>image_encoder.</c> prefix: <c>patch_embed.proj</c>, <c>pos_embed</c> (1, g, g, d),
/// <c>blocks.N.{norm1, attn.qkv, attn.proj, attn.rel_pos_h, attn.rel_pos_w, norm2, mlp.lin1, mlp.lin2}</c>, <c>neck.0..3</c>.
/// Its token state is the grid (N, g, g, d).
/// </summary>
public sealed class SamViT : ViTEncoder
{
    private readonly PatchEmbed patch_embed;
    private readonly Parameter pos_embed;
    private readonly ModuleList<SamBlock> blocks;
    private readonly Sequential? neck;
    private readonly int grid;

    /// <summary>Builds the encoder with random weights (position table normal(0, 0.02), relative tables zero).</summary>
    public SamViT(SamViTConfig config) : base("ImageEncoderViT", config)
    {
        grid = config.GridSize;
        patch_embed = new PatchEmbed(config.PatchSize, config.Width);
        // SAM stores the table at its training grid (64x64 at 1024 px); here it lives at the tile grid and loading resizes.
        pos_embed = nn.Parameter(nn.init.normal_(empty(1, grid, grid, config.Width), std: 0.02));
        blocks = new ModuleList<SamBlock>(Enumerable.Range(0, config.Depth).Select(i => new SamBlock(config, i)).ToArray());
        if (config.NeckChannels > 0)
        {
            int c = config.NeckChannels;
            neck = nn.Sequential(
                nn.Conv2d(config.Width, c, kernel_size: 1, bias: false),
                new LayerNorm2d(c),
                nn.Conv2d(c, c, kernel_size: 3, padding: 1, bias: false),
                new LayerNorm2d(c));
        }
        RegisterComponents();
    }

    /// <summary>
    /// The SAM configuration (<see cref="ViTEncoder.Config"/> typed; not a <c>new Config</c>, which TorchSharp's
    /// <c>Module.to</c> cannot handle).
    /// </summary>
    public SamViTConfig SamConfig => (SamViTConfig)Config;

    /// <inheritdoc />
    public override Tensor EmbedPatches(Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var x = patch_embed.forward(normalized); // (N, d, g, g)
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], grid * grid, -1).MoveToOuterDisposeScope(); // (N, n, d)
    }

    /// <inheritdoc />
    public override Tensor Start(Tensor patchTokens)
    {
        using var scope = NewDisposeScope();
        var x = patchTokens.view(patchTokens.shape[0], grid, grid, -1); // (N, g, g, d)
        return (x + pos_embed).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor RunBlock(int index, Tensor state, Tensor? prompt)
    {
        using var scope = NewDisposeScope();
        if (prompt is not null)
            state = state + prompt.view(state.shape[0], grid, grid, -1); // (N, g, g, d)
        return blocks[index].forward(state).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Finish(Tensor state) => state.reshape(state.shape[0], grid * grid, -1); // (N, n, d)

    /// <summary>SAM's full image encoder: tiles -> neck output (N, C_neck, g, g). Requires a neck.</summary>
    public Tensor ForwardNeck(Tensor tiles)
    {
        if (neck is null)
            throw new InvalidOperationException("This SAM encoder was built without a neck (SamViTConfig.NeckChannels = 0).");
        using var scope = NewDisposeScope();
        var tokens = forward(tiles).view(tiles.shape[0], grid, grid, -1); // (N, g, g, d)
        return neck.forward(tokens.permute(0, 3, 1, 2)).MoveToOuterDisposeScope(); // (N, C_neck, g, g)
    }
}
