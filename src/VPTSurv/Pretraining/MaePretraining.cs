using VPTSurv.Runtime;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// Masked-autoencoder pretraining of a ViT encoder on unlabelled tiles (He et al. 2022): draw the tile pool, then for
/// each step draw a batch and masks from (seed, step), encode the visible tokens, decode all, and take an AdamW step on
/// the masked-patch loss under warm-up and cosine decay; the steps run through the library's one training loop
/// (<see cref="StepLoop"/>), as the survival trainers' do. Writes resumable checkpoints and, at the end, the encoder's
/// weights as safetensors with the encoder's own state keys (what <see cref="CheckpointLoader"/> and the presets load).
/// </summary>
public static class MaePretraining
{
    /// <summary>Format tag written into the weights' safetensors metadata.</summary>
    public const string WeightsFormat = "vptsurv-mae-encoder/1";

    /// <summary>
    /// Runs pretraining as <paramref name="config"/> says; <paramref name="progress"/> receives every step, and so does
    /// <paramref name="observer"/> as the shared training loop reports it (<see cref="LoopProgress"/>, trainer "mae").
    /// </summary>
    public static MaeResult Run(MaeConfig config, IProgress<MaeProgress>? progress = null, CancellationToken cancel = default,
        IProgress<LoopProgress>? observer = null)
    {
        config.Validate();
        if (config.OutputPath is { } output && File.Exists(output) && !config.Overwrite)
            throw new IOException($"{output} already exists; set Overwrite to replace it.");

        // Only when it changes: resetting libtorch's thread pool while other threads run ops is unsafe.
        if (config.Threads is int threads && torch.get_num_threads() != threads)
            torch.set_num_threads(threads);
        var poolClock = Stopwatch.StartNew();
        var pool = MaeTilePool.Draw(config.Tiles, config.Seed, cancel);
        double poolSeconds = poolClock.Elapsed.TotalSeconds;

        // Initialised from the run seed itself (as the shipped weights were); torch's global generator is left as it was.
        var model = RandomStreams.WithSeed(unchecked((long)config.Seed), () => new MaeModel(config));
        try
        {
            model.train();
            using var optimizer = CreateOptimizer(model, config);
            var losses = new List<double>(config.Steps);
            int start = 0;
            double trainSeconds = 0;
            if (config.Resume && config.CheckpointPath is { } resumeFrom && MaeCheckpoint.Load(resumeFrom, model, optimizer) is { } resumed)
            {
                start = resumed.Step;
                losses.AddRange(resumed.Losses);
                trainSeconds = resumed.TrainSeconds;
                if (start > config.Steps)
                    throw new InvalidDataException($"{MaeCheckpoint.JsonPath(resumeFrom)}: checkpoint is at step {start}, beyond the run's {config.Steps} steps.");
            }

            int visible = config.VisibleTokens, tokens = config.Encoder.TokensPerTile;
            int end = config.StopAfter ?? config.Steps;
            int done = start;
            // The library's one training loop (Training.StepLoop): an "epoch" is the checkpoint interval, so the
            // end-of-epoch work is the checkpoint (also written after the run's last step).
            var loop = new StepLoop
            {
                Trainer = "mae",
                StepsPerEpoch = config.CheckpointEvery > 0 ? config.CheckpointEvery : config.Steps,
                Schedule = step => MaeSchedule.At(config, step),
                Optimizer = optimizer,
                Observer = observer,
                Step = (step, _) =>
                {
                    double loss;
                    // TorchSharp's Scalar is a finalisable handle: a collection during a native call can free a temporary
                    // Scalar the call is still reading (seen as "Expected false to be true ... toFloat"). No collection runs
                    // inside the step (it allocates a few MB), and the finaliser thread only frees Scalars dead before it.
                    bool noGc = TryStartNoGcRegion(config);
                    try
                    {
                        using var scope = NewDisposeScope();
                        var tiles = pool.Batch(config.Seed, step, config.BatchSize); // (B, 3, T, T)
                        var (keep, mask) = MaeMasking.Draw(config.Seed, step, config.BatchSize, tokens, visible);
                        optimizer.zero_grad();
                        var lossTensor = model.forward(tiles, keep, mask);
                        lossTensor.backward();
                        optimizer.step();
                        loss = lossTensor.item<float>();
                    }
                    finally
                    {
                        if (noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                        {
                            try { GC.EndNoGCRegion(); }
                            catch (InvalidOperationException) { } // the region already ended (the step allocated past it)
                        }
                    }
                    losses.Add(loss);
                    return loss;
                },
                StepInputs = (step, _) => $"the batch of {config.BatchSize} pool tiles of step {step + 1} (seed {config.Seed})",
                NonFiniteAdvice = step => $"lower the learning rate ({MaeSchedule.At(config, step):g3})",
                AfterStep = p =>
                {
                    done = p.Step;
                    trainSeconds += p.Seconds;
                    progress?.Report(new MaeProgress(p.Step, config.Steps, p.Loss, p.LearningRate, TimeSpan.FromSeconds(trainSeconds), config.BatchSize / p.Seconds));
                },
                EndEpoch = _ =>
                {
                    if (config.CheckpointPath is { } prefix)
                        MaeCheckpoint.Save(prefix, model, optimizer, done, losses, trainSeconds);
                    return EpochOutcome.Continue;
                },
            };
            loop.Run(start, end, cancel);

            double initial = losses.Take(10).Average();
            double final = losses.Skip(Math.Max(0, losses.Count - 50)).Average();
            if (config.OutputPath is { } path)
                WriteEncoder(model, config, path, losses.Count, final, poolSeconds + trainSeconds);
            model.eval();
            return new MaeResult(losses, initial, final, poolSeconds, trainSeconds, pool.Count, pool.BackgroundShare, config.OutputPath, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static bool TryStartNoGcRegion(MaeConfig config)
    {
        // The batch (B·3·T·T floats) plus headroom for the tensor wrappers and masks of one step.
        long bytes = 4L * config.BatchSize * 3 * config.Encoder.ImageSize * config.Encoder.ImageSize + (32L << 20);
        try
        {
            return GC.TryStartNoGCRegion(bytes);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false; // larger than the runtime allows, or another run holds the region: collections as usual
        }
    }

    /// <summary>
    /// AdamW with decoupled weight decay on weight matrices only: biases, norms, position tables, relative-position
    /// tables and learned tokens are not decayed (as MAE and nanoGPT).
    /// </summary>
    public static AdamW CreateOptimizer(MaeModel model, MaeConfig config)
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;
            bool table = name.Contains("pos_embed", StringComparison.Ordinal) || name.Contains("rel_pos", StringComparison.Ordinal)
                || name.EndsWith("_token", StringComparison.Ordinal);
            (p.dim() >= 2 && !table ? decay : noDecay).Add(p);
        }
        // TorchSharp's AdamW update with its scalars kept alive through the native calls (Training.GcSafeAdamW).
        return new Training.GcSafeAdamW(
            [
                new AdamW.ParamGroup(decay, lr: config.LearningRate, beta1: config.Beta1, beta2: config.Beta2, weight_decay: config.WeightDecay),
                new AdamW.ParamGroup(noDecay, lr: config.LearningRate, beta1: config.Beta1, beta2: config.Beta2, weight_decay: 0),
            ],
            config.LearningRate, 0, config.Beta1, config.Beta2);
    }

    /// <summary>Writes the encoder's state (its own keys) with the run's description as safetensors metadata.</summary>
    public static void WriteEncoder(MaeModel model, MaeConfig config, string path, int steps, double finalLoss, double seconds)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = WeightsFormat,
            ["objective"] = $"MAE, mask ratio {config.MaskRatio.ToString(inv)}, normalised-pixel MSE on masked patches (eps {config.TargetNormEps.ToString(inv)})",
            ["encoder"] = config.Encoder.ToString(),
            ["steps"] = steps.ToString(inv),
            ["batch_size"] = config.BatchSize.ToString(inv),
            ["seed"] = config.Seed.ToString(inv),
            ["threads"] = torch.get_num_threads().ToString(inv),
            ["final_loss"] = finalLoss.ToString("R", inv),
            ["seconds"] = seconds.ToString("F0", inv),
            ["tiles"] = config.Tiles.ToString(),
        };
        SafeTensors.Write(path, model.Encoder.state_dict(), overwrite: config.Overwrite, metadata);
    }
}
