using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Encoders;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

/// <summary>
/// SAM attention of the Cpu preset (3 heads of 32, decomposed relative position as an additive bias) timed kernel by
/// kernel: libtorch's scaled_dot_product_attention with the bias as attn_mask, the written-out
/// softmax(q·kᵀ/√c + bias)·v, and the same with bmm and the bias added in place (what SamAttention does); also
/// the relative-position bias alone and a whole SamBlock. For a global block (N x 64 tokens) and a windowed one
/// (4N x 16 tokens), forward and forward + backward with inputs requiring grad (as in training). Variants alternate,
/// median of the repeats. <c>VPTSURV_PROBE_N</c> sets N (200).
/// </summary>
internal static class AttentionProbeBench
{
    [Benchmark("attention-probe")]
    public static JsonNode Run()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("VPTSURV_PROBE_N"), out var v) ? v : 200;
        var rows = new JsonArray();
        foreach (var (name, b, side) in new[] { ("global", n, 8L), ("windowed", 4 * n, 4L) })
        {
            var gen = new Generator(3);
            long heads = 3, hs = 32, l = side * side;
            var q0 = randn([b, heads, l, hs], generator: gen);
            var k0 = randn([b, heads, l, hs], generator: gen);
            var v0 = randn([b, heads, l, hs], generator: gen);
            var bias0 = randn([b, heads, l, l], generator: gen);
            var table = randn([2 * side - 1, hs], generator: gen);
            var config = new SamViTConfig { ImageSize = 64, PatchSize = 8, Width = 96, Depth = 4, Heads = 3, WindowSize = 4, GlobalBlocks = [1, 3], Normalization = PixelNormalization.Sam };
            var block = new SamBlock(config, name == "global" ? 1 : 0);
            foreach (var p in block.parameters()) p.requires_grad = false;
            var x0 = randn([n, 8, 8, 96], generator: gen);
            var times = new Dictionary<string, List<double>>();
            foreach (var _ in Enumerable.Range(0, 4))
                foreach (var variant in new[] { "sdpa_mask", "manual", "inplace", "rel_bias", "block" })
                    foreach (var backward in new[] { false, true })
                    {
                        using var scope = NewDisposeScope();
                        var q = q0.detach().requires_grad_(true);
                        var k = k0.detach().requires_grad_(true);
                        var vv = v0.detach().requires_grad_(true);
                        var bias = bias0.detach().requires_grad_(true);
                        var sw = Stopwatch.StartNew();
                        var y = variant switch
                        {
                            "sdpa_mask" => nn.functional.scaled_dot_product_attention(q, k, vv, attn_mask: bias),
                            "manual" => (matmul(q * (1.0 / Math.Sqrt(hs)), k.transpose(-2, -1)) + bias).softmax(-1).matmul(vv),
                            "inplace" => bmm(bmm(q.reshape(b * heads, l, hs) * (1.0 / Math.Sqrt(hs)), k.reshape(b * heads, l, hs).transpose(1, 2))
                                .add_(bias.view(b * heads, l, l)).softmax(-1), vv.reshape(b * heads, l, hs)),
                            "rel_bias" => RelativePosition.Bias(q.reshape(b * heads, l, hs), table, table, (side, side), (side, side)),
                            _ => block.forward(x0.detach().requires_grad_(true)),
                        };
                        if (backward) y.sum().backward();
                        var key = variant + (backward ? "_fwd_bwd" : "_fwd");
                        if (!times.ContainsKey(key)) times[key] = [];
                        times[key].Add(sw.Elapsed.TotalSeconds);
                    }
            var row = new JsonObject { ["block"] = name, ["batch"] = b, ["tokens"] = l };
            foreach (var (key, list) in times)
                row[key] = Math.Round(list.Skip(1).OrderBy(x => x).ElementAt(1), 4);
            rows.Add(row);
        }
        return new JsonObject { ["n_tiles"] = n, ["threads"] = get_num_threads(), ["load_average"] = TrainingVsPyTorchBench.LoadAverage(), ["rows"] = rows };
    }
}
