using TorchSharp;
using VPTSurv.Encoders;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// The masked autoencoder: the ViT <c>encoder</c> on visible tokens and the light <c>decoder</c>; the loss is the
/// mean squared error between predicted and per-patch normalised pixels, over the hidden patches only.
/// </summary>
public sealed class MaeModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly ViTEncoder encoder;
    private readonly MaeDecoder decoder;
    private readonly VisibleTokenEncoder _visible;
    private readonly double _normEps;

    /// <summary>Builds encoder and decoder of <paramref name="config"/> with random weights (MAE's initialisation).</summary>
    public MaeModel(MaeConfig config) : base("MaeModel")
    {
        config.Validate();
        Config = config;
        encoder = config.Encoder.Build();
        decoder = new MaeDecoder(config.Encoder, config.DecoderWidth, config.DecoderDepth, config.DecoderHeads);
        _visible = new VisibleTokenEncoder(encoder);
        _normEps = config.TargetNormEps;
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>The setting.</summary>
    public MaeConfig Config { get; }

    /// <summary>The encoder being pretrained (its <c>state_dict</c> is what gets shipped).</summary>
    public ViTEncoder Encoder => encoder;

    /// <summary>The decoder.</summary>
    public MaeDecoder Decoder => decoder;

    /// <summary>
    /// Tiles (B, 3, T, T) on the 0..255 scale, visible indices (B, v) and mask (B, n) (1 = hidden) -> the scalar loss.
    /// </summary>
    public override Tensor forward(Tensor tiles, Tensor keep, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var latent = _visible.Forward(tiles, keep); // (B, v, d)
        var prediction = decoder.forward(latent, keep); // (B, n, P·P·3)
        var target = Patchify(encoder.Normalize(tiles), Config.Encoder.PatchSize); // (B, n, P·P·3)
        return MaskedLoss(prediction, target, mask, _normEps).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// MAE's loss: each target patch normalised by its own mean and (unbiased) variance + <paramref name="eps"/>,
    /// squared error averaged over a patch's pixels, then over the hidden patches (<paramref name="mask"/> = 1) only.
    /// </summary>
    public static Tensor MaskedLoss(Tensor prediction, Tensor target, Tensor mask, double eps)
    {
        using var scope = NewDisposeScope();
        var mean = target.mean([-1], keepdim: true);
        var variance = target.var(-1, unbiased: true, keepdim: true);
        var normalized = (target - mean) / (variance + eps).sqrt(); // (B, n, P·P·3)
        var perPatch = (prediction - normalized).square().mean([-1]); // (B, n)
        return ((perPatch * mask).sum() / mask.sum()).MoveToOuterDisposeScope();
    }

    /// <summary>Images (B, 3, T, T) -> patches (B, n, P·P·3), tokens row-major, pixels in (p, q, channel) order as MAE.</summary>
    public static Tensor Patchify(Tensor images, int patch)
    {
        using var scope = NewDisposeScope();
        long b = images.shape[0], g = images.shape[2] / patch;
        var x = images.reshape(b, 3, g, patch, g, patch); // (B, 3, g, P, g, P)
        x = x.permute(0, 2, 4, 3, 5, 1); // (B, g, g, P, P, 3)
        return x.reshape(b, g * g, patch * patch * 3).MoveToOuterDisposeScope(); // (B, n, P·P·3)
    }

    /// <summary>
    /// MAE's initialisation: Xavier-uniform linear weights (the patch projection treated as one linear map), zero
    /// biases, unit LayerNorms; position tables and tokens keep their normal(0, 0.02) draws, relative tables their zeros.
    /// </summary>
    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var (name, module) in named_modules())
        {
            switch (module)
            {
                case TorchSharp.Modules.Linear linear:
                    nn.init.xavier_uniform_(linear.weight);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case TorchSharp.Modules.Conv2d conv when name.EndsWith("patch_embed.proj", StringComparison.Ordinal):
                    var w = conv.weight!;
                    var flat = empty(w.shape[0], w.shape[1] * w.shape[2] * w.shape[3]);
                    nn.init.xavier_uniform_(flat);
                    w.copy_(flat.view(w.shape));
                    flat.Dispose();
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case TorchSharp.Modules.LayerNorm norm:
                    if (norm.weight is not null) nn.init.ones_(norm.weight);
                    if (norm.bias is not null) nn.init.zeros_(norm.bias);
                    break;
            }
        }
    }
}
