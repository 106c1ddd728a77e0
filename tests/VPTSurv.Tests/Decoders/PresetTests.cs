using TorchSharp;
using VPTSurv.Decoders;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Decoders;

/// <summary>
/// The named presets have the parameter counts stated in their XML docs, and the state-dict keys of the original
/// PyTorch modules, so original checkpoints can be loaded. The counts were worked by hand from the original code
/// (layer by layer: weights + biases), e.g. MCAT small: 1024·512+512 + 2(512·256+256) + 257 + 512·256+256 + 256·4+4.
/// </summary>
public class PresetTests
{
    public static TheoryData<string, long> Counts() => new()
    {
        { "Abmil.Mcat", 920_069 },
        { "Abmil.McatBig", 1_117_701 },
        { "Abmil.Paper", 788_997 },
        { "TransMil.Default", 2_673_172 },
        { "TransMil.Paper", 2_542_100 },
        { "PatchGcn.Default", 1_384_456 },
        { "PatchGcn.Paper", 1_351_688 },
        { "DeepAttnMisl.Original", 266_533 },
        { "DeepAttnMisl.Paper", 53_541 },
        { "HvtSurv.Default", 3_289_213 },
        { "HvtSurv.Paper", 3_158_141 },
    };

    internal static BagDecoder Build(string preset) => preset switch
    {
        "Abmil.Mcat" => new Abmil(AbmilConfig.Mcat),
        "Abmil.McatBig" => new Abmil(AbmilConfig.McatBig),
        "Abmil.Paper" => new Abmil(AbmilConfig.Paper(768)),
        "TransMil.Default" => new TransMil(TransMilConfig.Default),
        "TransMil.Paper" => new TransMil(TransMilConfig.Paper(768)),
        "PatchGcn.Default" => new PatchGcn(PatchGcnConfig.Default),
        "PatchGcn.Paper" => new PatchGcn(PatchGcnConfig.Paper(768)),
        "DeepAttnMisl.Original" => new DeepAttnMisl(DeepAttnMislConfig.Original),
        "DeepAttnMisl.Paper" => new DeepAttnMisl(DeepAttnMislConfig.Paper(768)),
        "HvtSurv.Default" => new HvtSurv(HvtSurvConfig.Default),
        "HvtSurv.Paper" => new HvtSurv(HvtSurvConfig.Paper(768)),
        _ => throw new ArgumentException(preset),
    };

    [Theory]
    [MemberData(nameof(Counts))]
    public void Preset_has_the_documented_parameter_count(string preset, long expected)
    {
        using var model = Build(preset);
        Assert.Equal(expected, DecoderTestData.ParameterCount(model));
    }

    private static HashSet<string> Keys(nn.Module m) => m.state_dict().Keys.ToHashSet();

    [Fact]
    public void State_dict_keys_match_the_original_modules()
    {
        // Hand-written from the originals' module trees (MCAT MIL_Attention_FC_surv, TransMIL, PatchGCN_Surv with PyG
        // GENConv/DeepGCNLayer, DeepAttnMIL_Surv, HVTSurv).
        using (var m = new Abmil(AbmilConfig.Smoke(16)))
            Assert.Subset(Keys(m), new HashSet<string> { "attention_net.0.weight", "attention_net.3.attention_a.0.weight",
                "attention_net.3.attention_b.0.bias", "attention_net.3.attention_c.weight", "rho.0.weight", "classifier.bias" });
        using (var m = new TransMil(TransMilConfig.Smoke(16)))
            Assert.Subset(Keys(m), new HashSet<string> { "cls_token", "_fc1.0.weight", "pos_layer.proj.weight", "pos_layer.proj2.bias",
                "layer1.norm.weight", "layer1.attn.to_qkv.weight", "layer1.attn.to_out.0.weight", "layer2.attn.res_conv.weight",
                "norm.weight", "_fc2.weight" });
        using (var m = new PatchGcn(PatchGcnConfig.Smoke(16)))
            Assert.Subset(Keys(m), new HashSet<string> { "fc.0.weight", "layers.0.conv.t", "layers.0.conv.mlp.0.weight",
                "layers.0.conv.mlp.1.weight", "layers.2.conv.mlp.4.bias", "layers.1.norm.weight", "path_phi.0.weight",
                "path_attention_head.attention_a.0.weight", "path_rho.0.weight", "classifier.weight" });
        using (var m = new DeepAttnMisl(DeepAttnMislConfig.Smoke(16)))
            Assert.Equal(new HashSet<string> { "embedding_net.0.weight", "embedding_net.0.bias", "attention.0.weight", "attention.0.bias",
                "attention.2.weight", "attention.2.bias", "fc6.0.weight", "fc6.0.bias", "fc6.3.weight", "fc6.3.bias" }, Keys(m));
        using (var m = new HvtSurv(HvtSurvConfig.Smoke(16)))
            Assert.Subset(Keys(m), new HashSet<string> { "_fc1.0.weight", "layer1.norm1.weight", "layer1.wattn.relative_position_bias_table",
                "layer1.wattn.qkv.weight", "layer1.wattn.proj.bias", "shiftwattn.qkv.weight", "mlp1.fc1.weight", "mlp1.fc2.bias",
                "norm3.bias", "attnpool.module.0.weight", "attnpool.module.2.weight", "_fc2.weight" });
    }

    [Fact]
    public void Original_weight_shapes_are_kept()
    {
        using var dam = new DeepAttnMisl(DeepAttnMislConfig.Original);
        Assert.Equal(new long[] { 64, 4096, 1, 1 }, dam.state_dict()["embedding_net.0.weight"].shape);
        using var hvt = new HvtSurv(HvtSurvConfig.Default);
        Assert.Equal(new long[] { 15, 8 }, hvt.state_dict()["layer1.wattn.relative_position_bias_table"].shape);
        using var tm = new TransMil(TransMilConfig.Default);
        Assert.Equal(new long[] { 8, 1, 33, 1 }, tm.state_dict()["layer1.attn.res_conv.weight"].shape);
    }
}
