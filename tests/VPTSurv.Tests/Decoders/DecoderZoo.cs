using VPTSurv.Decoders;

namespace VPTSurv.Tests.Decoders;

/// <summary>The baselines by name, at their Smoke sizes.</summary>
internal static class DecoderZoo
{
    public static readonly string[] Names = ["Abmil", "TransMil", "PatchGcn", "DeepAttnMisl", "HvtSurv"];

    public static BagDecoder Smoke(string name) => name switch
    {
        "Abmil" => new Abmil(AbmilConfig.Smoke(16)),
        "TransMil" => new TransMil(TransMilConfig.Smoke(16)),
        "PatchGcn" => new PatchGcn(PatchGcnConfig.Smoke(16)),
        "DeepAttnMisl" => new DeepAttnMisl(DeepAttnMislConfig.Smoke(16)),
        "HvtSurv" => new HvtSurv(HvtSurvConfig.Smoke(16)),
        _ => throw new ArgumentException(name),
    };
}
