namespace VPTSurv.Decoders;

/// <summary>The VPTSurv survival decoder's configuration.</summary>
/// <param name="InputDim">Width D of the incoming tile tokens (the encoder width d).</param>
/// <param name="Width">Decoder width d_dec (the paper: 768).</param>
/// <param name="Layers">Pre-norm decoder layers (the paper: 2).</param>
/// <param name="Heads">Attention heads (d_dec must be a multiple).</param>
/// <param name="Bins">Time bins K = survival queries = output logits.</param>
/// <param name="FfnRatio">FFN hidden width as a multiple of d_dec (4).</param>
public sealed record VPTSurvDecoderConfig(int InputDim, int Width = 768, int Layers = 2, int Heads = 8, int Bins = 4, double FfnRatio = 4.0)
{
    /// <summary>Throws naming the field unless the configuration is usable.</summary>
    public void Validate()
    {
        if (InputDim <= 0) throw new ArgumentException($"VPTSurvDecoderConfig: InputDim must be positive, got {InputDim}.");
        if (Width <= 0 || Heads <= 0 || Width % Heads != 0)
            throw new ArgumentException($"VPTSurvDecoderConfig: Width ({Width}) must be a positive multiple of Heads ({Heads}).");
        if (Layers <= 0) throw new ArgumentException($"VPTSurvDecoderConfig: Layers must be positive, got {Layers}.");
        if (Bins <= 0) throw new ArgumentException($"VPTSurvDecoderConfig: Bins must be positive, got {Bins}.");
        if (!(FfnRatio > 0)) throw new ArgumentException($"VPTSurvDecoderConfig: FfnRatio must be positive, got {FfnRatio}.");
    }
}
