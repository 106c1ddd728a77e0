using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Prompts;

namespace VPTSurv.Model;

/// <summary>The composed model's configuration: frozen encoder, prompt sources and adaptors, survival decoder.</summary>
/// <param name="Encoder">The ViT encoder.</param>
/// <param name="Prompts">Prompt sources and adaptors.</param>
/// <param name="Decoder">The survival decoder; its InputDim must equal the encoder width.</param>
public sealed record VPTSurvModelConfig(EncoderConfig Encoder, PromptConfig Prompts, VPTSurvDecoderConfig Decoder)
{
    /// <summary>Throws naming the field unless the parts fit together.</summary>
    public void Validate()
    {
        Encoder.Validate();
        Prompts.Validate();
        Decoder.Validate();
        if (Decoder.InputDim != Encoder.Width)
            throw new ArgumentException($"VPTSurvModelConfig: Decoder.InputDim ({Decoder.InputDim}) must equal Encoder.Width ({Encoder.Width}).");
    }
}
