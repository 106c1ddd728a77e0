using VPTSurv.Encoders;
using VPTSurv.Decoders;
using VPTSurv.Training;

namespace VPTSurv.Tests.Decoders;

/// <summary>The baselines by name, at their Smoke sizes on 16-wide features, built by the <see cref="DecoderRegistry"/>.</summary>
internal static class DecoderZoo
{
    public static readonly string[] Names = ["Abmil", "TransMil", "PatchGcn", "DeepAttnMisl", "HvtSurv"];

    /// <summary>
    /// The Smoke preset as the registry reads it (its name picks the Smoke sizes), on 16-wide features whose tile
    /// positions are 256 px apart (HVTSurv's default step): what these decoder tests feed.
    /// </summary>
    private static readonly Preset Features16 = Preset.Smoke with
    {
        Encoder = (SamViTConfig)Preset.Smoke.Encoder with { Width = 16 },
        Training = Preset.Smoke.Training with { TileSize = 256 },
    };

    public static BagDecoder Smoke(string name) => DecoderRegistry.Get(name.ToLowerInvariant()).Build(Features16);
}
