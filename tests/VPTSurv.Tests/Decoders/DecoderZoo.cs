using VPTSurv.Decoders;

namespace VPTSurv.Tests.Decoders;

/// <summary>The baselines by name, at their Smoke sizes.</summary>
internal static class DecoderZoo
{
    public static readonly string[] Names = ["Abmil", "TransMil", "PatchGcn", "DeepAttnMisl", "HvtSurv"];

    public static BagDecoder Smoke(string name) => name switch
    {
        "Abmil" => new Abmil(AbmilConfig.Smoke),
        "TransMil" => new TransMil(TransMilConfig.Smoke),
        "PatchGcn" => new PatchGcn(PatchGcnConfig.Smoke),
        "DeepAttnMisl" => new DeepAttnMisl(DeepAttnMislConfig.Smoke),
        "HvtSurv" => new HvtSurv(HvtSurvConfig.Smoke),
        _ => throw new ArgumentException(name),
    };
}
