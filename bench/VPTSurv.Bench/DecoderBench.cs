using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Decoders;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// Forward time of every baseline MIL decoder (inference: eval mode, no gradient) on one bag of N = 1,000 and 10,000
/// tiles, at the paper preset's encoder width (768, original layer sizes) and the Cpu preset's (96), side by side.
/// Spatial models include building their graph / windows from the coordinates; DeepAttnMISL includes its k-means (a
/// slide's first forward; later forwards on the same features reuse the clusters).
/// </summary>
internal static class DecoderBench
{
    private static readonly int PaperWidth = Preset.Paper.Encoder.Width, CpuWidth = Preset.Cpu.Encoder.Width;

    private static readonly (string Model, string Preset, Func<BagDecoder> Build)[] Models =
    [
        ("ABMIL", "Paper", () => new Abmil(AbmilConfig.Paper(PaperWidth))),
        ("ABMIL", "Cpu", () => new Abmil(AbmilConfig.Cpu(CpuWidth))),
        ("TransMIL", "Paper", () => new TransMil(TransMilConfig.Paper(PaperWidth))),
        ("TransMIL", "Cpu", () => new TransMil(TransMilConfig.Cpu(CpuWidth))),
        ("PatchGCN", "Paper", () => new PatchGcn(PatchGcnConfig.Paper(PaperWidth))),
        ("PatchGCN", "Cpu", () => new PatchGcn(PatchGcnConfig.Cpu(CpuWidth))),
        ("DeepAttnMISL", "Paper", () => new DeepAttnMisl(DeepAttnMislConfig.Paper(PaperWidth))),
        ("DeepAttnMISL", "Cpu", () => new DeepAttnMisl(DeepAttnMislConfig.Cpu(CpuWidth))),
        ("HVTSurv", "Paper", () => new HvtSurv(HvtSurvConfig.Paper(PaperWidth))),
        ("HVTSurv", "Cpu", () => new HvtSurv(HvtSurvConfig.Cpu(CpuWidth))),
    ];

    private static Bag MakeBag(long n, int d)
    {
        var g = new Generator(1);
        long side = (long)Math.Ceiling(Math.Sqrt(n));
        var cells = torch.arange(n);
        var xy = torch.stack([cells % side, cells / side], 1).to(ScalarType.Float32) * 224f;    // (N, 2) level-0 px
        return new Bag(torch.randn(n, d, generator: g), xy);
    }

    /// <summary>Median of <paramref name="repeats"/> timed forwards after one warm-up, in milliseconds.</summary>
    private static double ForwardMs(BagDecoder model, Bag bag, int repeats)
    {
        using var _ = torch.no_grad();
        model.forward(bag).Dispose();
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            // DeepAttnMISL keeps a features tensor's clusters; a fresh copy makes every timed forward a slide's first
            // (k-means included), as the table says.
            using var features = model is DeepAttnMisl ? bag.Features.clone() : null;
            var input = features is null ? bag : bag with { Features = features };
            var sw = Stopwatch.StartNew();
            using var logits = model.forward(input);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    [Benchmark("decoders")]
    public static JsonNode Run()
    {
        torch.manual_seed(0);
        var rows = new JsonArray();
        foreach (var (name, preset, build) in Models)
        {
            using var model = build();
            model.eval();
            long parameters = model.parameters().Sum(p => p.numel());
            foreach (var n in new long[] { 1_000, 10_000 })
            {
                using var scope = NewDisposeScope();
                var bag = MakeBag(n, model.InputDim);
                double ms = ForwardMs(model, bag, n >= 10_000 ? 3 : 5);
                Console.Error.WriteLine($"  {name,-13} {preset,-6} D={model.InputDim,-4} N={n,-6} {ms,10:F1} ms");
                rows.Add(new JsonObject
                {
                    ["model"] = name,
                    ["preset"] = preset,
                    ["input_dim"] = model.InputDim,
                    ["parameters"] = parameters,
                    ["tiles"] = n,
                    ["forward_ms"] = Math.Round(ms, 2),
                });
            }
        }
        return new JsonObject { ["threads"] = torch.get_num_threads(), ["runs"] = rows };
    }
}
