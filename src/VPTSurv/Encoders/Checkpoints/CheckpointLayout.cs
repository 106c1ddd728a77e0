namespace VPTSurv.Encoders.Checkpoints;

/// <summary>Key layout of a checkpoint file, which decides how its keys are renamed onto our encoders.</summary>
public enum CheckpointLayout
{
    /// <summary>Guess from the keys (SAM if any key has <c>image_encoder.</c> or SAM block names; Hugging Face if any has <c>encoder.layer.</c>; else timm).</summary>
    Auto,

    /// <summary>segment_anything's released checkpoint (<c>image_encoder.</c> prefix; prompt encoder and mask decoder dropped).</summary>
    Sam,

    /// <summary>timm's VisionTransformer state_dict (UNI and most pathology foundation models); <c>head.*</c> dropped.</summary>
    Timm,

    /// <summary>Hugging Face transformers' ViTModel (Phikon): separate query/key/value merged into qkv.</summary>
    HuggingFace,
}
