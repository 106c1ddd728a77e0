using VPTSurv.Cli.Terminal;
using VPTSurv.Decoders;
using VPTSurv.Training;

namespace VPTSurv.Cli.Runs;

/// <summary>
/// The two-stage decoders by name, sized by the preset: the baseline's own preset of the same name (Smoke, Cpu,
/// Paper) on the encoder's width, with the bins set to the preset's (and HVTSurv's tile step to the preset's tile size).
/// </summary>
public static class BagDecoders
{
    /// <summary>A factory for decoder <paramref name="name"/> under <paramref name="preset"/> (null = the VPTSurv decoder).</summary>
    public static Func<BagDecoder>? For(string name, Preset preset)
    {
        int d = preset.Encoder.Width, k = preset.Training.Bins;
        string size = preset.Name;
        T Pick<T>(Func<int, T> smoke, Func<int, T> cpu, Func<int, T> paper) => (size switch { "smoke" => smoke, "cpu" => cpu, _ => paper })(d);
        Func<BagDecoder>? make = name switch
        {
            "vptsurv" => null,
            "abmil" => () => new Abmil(Pick(AbmilConfig.Smoke, AbmilConfig.Cpu, AbmilConfig.Paper) with { Bins = k }),
            "transmil" => () => new TransMil(Pick(TransMilConfig.Smoke, TransMilConfig.Cpu, TransMilConfig.Paper) with { Bins = k }),
            "deepattnmisl" => () => new DeepAttnMisl(Pick(DeepAttnMislConfig.Smoke, DeepAttnMislConfig.Cpu, DeepAttnMislConfig.Paper) with { Bins = k }),
            "patchgcn" => () => new PatchGcn(Pick(PatchGcnConfig.Smoke, PatchGcnConfig.Cpu, PatchGcnConfig.Paper) with { Bins = k }),
            // Positions reach the decoder in pixels at the target MPP, one tile = the preset's tile size apart.
            "hvtsurv" => () => new HvtSurv(Pick(HvtSurvConfig.Smoke, HvtSurvConfig.Cpu, HvtSurvConfig.Paper) with { Bins = k, TileSize = preset.Training.TileSize }),
            _ => throw new CliInputException($"Unknown decoder '{name}'; expected one of {string.Join(", ", Configuration.RunConfig.BagDecoders)}."),
        };
        return make;
    }

    /// <summary>
    /// The type name of decoder <paramref name="name"/>, as a two-stage checkpoint records it (its method is
    /// "two-stage/" and this; <see cref="TrainingCheckpoint.Meta.Method"/>).
    /// </summary>
    public static string TypeName(string name) => name switch
    {
        "vptsurv" => nameof(VPTSurvDecoder),
        "abmil" => nameof(Abmil),
        "transmil" => nameof(TransMil),
        "deepattnmisl" => nameof(DeepAttnMisl),
        "patchgcn" => nameof(PatchGcn),
        "hvtsurv" => nameof(HvtSurv),
        _ => throw new CliInputException($"Unknown decoder '{name}'; expected one of {string.Join(", ", Configuration.RunConfig.BagDecoders)}."),
    };

    /// <summary>The decoder name whose type is <paramref name="typeName"/> (<see cref="TypeName"/> reversed); null when none is.</summary>
    public static string? NameOfType(string typeName) => Configuration.RunConfig.BagDecoders.FirstOrDefault(n => TypeName(n) == typeName);

    /// <summary>How tables name the two-stage model with decoder <paramref name="name"/>.</summary>
    public static string Describe(string name) => name switch
    {
        "vptsurv" => "VPTSurv decoder",
        "abmil" => "ABMIL",
        "transmil" => "TransMIL",
        "deepattnmisl" => "DeepAttnMISL",
        "patchgcn" => "PatchGCN",
        "hvtsurv" => "HVTSurv",
        _ => name,
    };
}
