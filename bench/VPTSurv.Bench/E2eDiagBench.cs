using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Model;
using VPTSurv.Slides;
using VPTSurv.Survival;
using VPTSurv.Training;
using static TorchSharp.torch;
using Bag = VPTSurv.Decoders.Bag;

namespace VPTSurv.Bench;

/// <summary>Throwaway diagnosis: why end-to-end learns slower than two-stage on the Cpu preset (E2E_VARIANT picks one run).</summary>
internal static class E2eDiagBench
{
    [Benchmark("e2ediag")]
    public static JsonNode Run()
    {
        torch.set_num_threads(1);
        string variant = Environment.GetEnvironmentVariable("E2E_VARIANT") ?? "ts64";
        int epochs = int.Parse(Environment.GetEnvironmentVariable("E2E_EPOCHS") ?? "8");
        double promptLrScale = double.Parse(Environment.GetEnvironmentVariable("E2E_PROMPT_LR") ?? "1");
        var cohort = ManifestReader.Read("data-manifests/synthetic-cd4.csv");
        var preset = Preset.Cpu with { Training = Preset.Cpu.Training with { InferenceTiles = 32, Subset = Sub() } };
        var s = preset.Training;
        var data = RunData.Create(preset, cohort);
        var bins = TimeBins.Fit(new SurvivalTargets(data.Train.Select(x => x.Time).ToArray(), data.Train.Select(x => x.EventObserved).ToArray()), s.Bins);
        var clock = Stopwatch.StartNew();
        using var source = TilePoolSource.Build(cohort, [.. data.Train, .. data.Val], 64, 64, 1.0, true, "/tmp/cpu-demo/cache/tiles");
        Console.Error.WriteLine($"pool {clock.Elapsed.TotalSeconds:F0}s");
        var model = preset.BuildModel();
        var log = new JsonArray();
        var result = new JsonObject { ["variant"] = variant, ["train"] = data.Train.Count, ["val"] = data.Val.Count, ["epochs"] = epochs, ["log"] = log };

        if (variant.StartsWith("ts", StringComparison.Ordinal))
        {
            // Frozen pooled features of all 64 pool tiles.
            var feats = new Dictionary<string, Tensor>();
            var all = data.Train.Concat(data.Val).ToList();
            foreach (var b in source.Load(all.Select(x => new TileRequest(x.SlideId, Enumerable.Range(0, source.CountOf(x.SlideId)).ToArray()))))
                using (b) feats[b.SlideId] = model.FrozenFeatures(b.Tiles);
            result["extract_s"] = clock.Elapsed.TotalSeconds;
            foreach (var vv in variant.Split('+'))
            {
            bool sample16 = vv.Contains("16");
            BagDecoder decoder;
            if (vv.EndsWith("m", StringComparison.Ordinal)) decoder = model.Decoder; // E2E's decoder initialisation
            else { torch.random.manual_seed(s.Seed); decoder = new VPTSurvDecoder(preset.Decoder); }
            var opt = OptimizerFactory.Create(decoder, s.LearningRate, s.WeightDecay);
            var schedule = new CosineSchedule(s.LearningRate, epochs * data.Train.Count);
            int step = 0;
            { Console.Error.WriteLine(vv); var __r = EvalTs(decoder, feats, data.Val, 0, -1, s.InferenceTiles); log.Add(__r); Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:F0}s {__r.ToJsonString()}"); }
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                decoder.train();
                var order = data.Train.ToArray();
                new Random(TileSampling.SeedFor(s.Seed, epoch, "slide order")).Shuffle(order);
                double lossSum = 0;
                foreach (var sl in order)
                {
                    using var scope = NewDisposeScope();
                    opt.zero_grad();
                    var f = feats[sl.SlideId];
                    if (sample16)
                        f = f.index_select(0, tensor(TileSampling.Training((int)f.shape[0], s.TilesPerStep, new Random(TileSampling.SeedFor(s.Seed, epoch, sl.SlideId))).Select(i => (long)i).ToArray()));
                    var logits = decoder.forward(new Bag(f)).view(1, -1);
                    var loss = SurvivalLoss.DiscreteTimeNll(logits, tensor(new long[] { bins.BinOf(sl.Time) }), tensor(new[] { sl.EventObserved ? 1f : 0f }));
                    loss.backward();
                    lossSum += loss.item<float>();
                    OptimizerFactory.SetLearningRate(opt, schedule.At(step++));
                    opt.step();
                }
                { var __r = EvalTs(decoder, feats, data.Val, epoch, lossSum / order.Length, s.InferenceTiles); log.Add(__r); Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:F0}s {__r.ToJsonString()}"); }
            }
            }
        }
        else
        {
            // The end-to-end loop as EndToEndTrainer runs it (plain step), with variants.
            if (variant == "e2efrozen")
                foreach (var p in model.Encoder.parameters()) p.requires_grad = false;
            TorchSharp.Modules.AdamW opt;
            if (promptLrScale != 1)
            {
                var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>();
                foreach (var (name, p) in model.named_parameters().Where(x => x.parameter.requires_grad))
                {
                    bool dec = name.StartsWith("decoder.", StringComparison.Ordinal);
                    groups.Add(new TorchSharp.Modules.AdamW.ParamGroup([p], lr: s.LearningRate * (dec ? 1 : promptLrScale),
                        weight_decay: OptimizerFactory.Decays(name, p) ? s.WeightDecay : 0));
                }
                opt = optim.AdamW(groups, lr: s.LearningRate);
            }
            else opt = OptimizerFactory.Create(model, s.LearningRate, s.WeightDecay);
            var baseLr = opt.ParamGroups.Select(g => g.LearningRate).ToArray();
            var schedule = new CosineSchedule(1.0, epochs * data.Train.Count);
            int step = 0;
            { var __r = EvalE2e(model, source, data, 0, -1, s); log.Add(__r); Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:F0}s {__r.ToJsonString()}"); }
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                model.train();
                var order = data.Train.ToArray();
                new Random(TileSampling.SeedFor(s.Seed, epoch, "slide order")).Shuffle(order);
                var requests = order.Select(x => new TileRequest(x.SlideId,
                    TileSampling.Training(source.CountOf(x.SlideId), s.TilesPerStep, new Random(TileSampling.SeedFor(s.Seed, epoch, x.SlideId)))));
                double lossSum = 0;
                int i = 0;
                foreach (var b in source.Load(requests))
                {
                    using var scope = NewDisposeScope();
                    using var batch = b;
                    var sl = order[i++];
                    opt.zero_grad();
                    lossSum += EndToEndStep.Accumulate(model, batch.Tiles, batch.Context, null, bins.BinOf(sl.Time), sl.EventObserved, 1.0, false, 64);
                    double f = schedule.At(step++);
                    for (int g = 0; g < baseLr.Length; g++) opt.ParamGroups.ElementAt(g).LearningRate = baseLr[g] * f;
                    opt.step();
                }
                var rec = EvalE2e(model, source, data, epoch, lossSum / order.Length, s);
                { var __r = rec; log.Add(__r); Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:F0}s {__r.ToJsonString()}"); }
            }
        }
        result["seconds"] = clock.Elapsed.TotalSeconds;
        return result;
    }

    private static CohortSubset Sub()
    {
        var v = (Environment.GetEnvironmentVariable("E2E_SUBSET") ?? "100,30").Split(',').Select(int.Parse).ToArray();
        return new CohortSubset(v[0], v[1], null);
    }

    private static double C(IReadOnlyList<SlideRecord> val, IEnumerable<double[]> logits)
    {
        var risk = logits.Select(l => -SurvivalSum(l)).ToArray();
        return Concordance.Harrell(val.Select(x => x.Time).ToArray(), val.Select(x => x.EventObserved).ToArray(), risk).CIndex;
    }

    private static double SurvivalSum(IEnumerable<double> logits)
    {
        double acc = 1, sum = 0;
        foreach (var l in logits) { acc *= 1 - 1 / (1 + Math.Exp(-l)); sum += acc; }
        return sum;
    }

    private static JsonObject EvalTs(BagDecoder decoder, Dictionary<string, Tensor> feats, IReadOnlyList<SlideRecord> val, int epoch, double loss, int inf)
    {
        decoder.eval();
        using var _ = no_grad();
        double[] Logits(Tensor f) { using var sc = NewDisposeScope(); return decoder.forward(new Bag(f)).to(ScalarType.Float64).data<double>().ToArray(); }
        var all64 = val.Select(v => Logits(feats[v.SlideId])).ToList();
        var inf32 = val.Select(v => Logits(feats[v.SlideId].index_select(0, tensor(TileSampling.Inference((int)feats[v.SlideId].shape[0], inf).Select(i => (long)i).ToArray())))).ToList();
        decoder.train();
        return new JsonObject { ["epoch"] = epoch, ["loss"] = Math.Round(loss, 4), ["valC_64"] = Math.Round(C(val, all64), 4), ["valC_32"] = Math.Round(C(val, inf32), 4) };
    }

    private static JsonObject EvalE2e(VPTSurvModel model, TileSource source, RunData data, int epoch, double loss, TrainingSettings s)
    {
        var logits = EndToEndTrainer.PredictLogits(model, source, data.Val, s.InferenceTiles, s.MicroBatch, data.Covariates);
        var rec = new JsonObject { ["epoch"] = epoch, ["loss"] = Math.Round(loss, 4), ["valC_32"] = Math.Round(C(data.Val, logits), 4) };
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        rec["up_w_norm"] = Math.Round(model.Encoder.Up.weight.norm().item<float>(), 4);
        // Token norm vs prompt contribution: pooled prompted vs frozen features on one val slide's tiles.
        var sl = data.Val[0];
        foreach (var b in source.Load([new TileRequest(sl.SlideId, Enumerable.Range(0, 16).ToArray())]))
        {
            using var batch = b;
            model.eval();
            var frozen = model.FrozenFeatures(batch.Tiles);
            var prompted = model.EncodeTiles(batch.Tiles, batch.Context, null);
            rec["pooled_norm"] = Math.Round(frozen.norm(1).mean().item<float>(), 4);
            rec["pooled_shift_norm"] = Math.Round((prompted - frozen).norm(1).mean().item<float>(), 4);
        }
        return rec;
    }
}
