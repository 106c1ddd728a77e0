using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Runtime;
using VPTSurv.Slides;
using static TorchSharp.torch;

namespace VPTSurv.Pretraining;

/// <summary>
/// Resumable state of a pretraining run, stored beside a prefix: <c>{prefix}.step{N}.safetensors</c> (encoder and
/// decoder), <c>{prefix}.step{N}.optim</c> (AdamW moments) and <c>{prefix}.json</c> (step, losses, seed), the JSON
/// written last and atomically, so it always names a complete pair of files. Batches and masks are functions of
/// (seed, step), so no random-generator state needs saving.
/// </summary>
public static class MaeCheckpoint
{
    /// <summary>The format tag in the JSON.</summary>
    public const string Format = "vptsurv-mae-checkpoint/1";

    private sealed record State(string Format, int Step, ulong Seed, string Encoder, double TrainSeconds, List<double> Losses,
        string Weights, string Optimizer);

    /// <summary>Path of the JSON that marks the latest checkpoint for <paramref name="prefix"/>.</summary>
    public static string JsonPath(string prefix) => prefix + ".json";

    /// <summary>Saves the state after <paramref name="step"/> steps and removes the previous checkpoint's files.</summary>
    public static void Save(string prefix, MaeModel model, OptimizerHelper optimizer, int step, IReadOnlyList<double> losses, double trainSeconds)
    {
        string weights = $"{prefix}.step{step:D6}.safetensors", optimizerFile = $"{prefix}.step{step:D6}.optim";
        var dir = Path.GetDirectoryName(Path.GetFullPath(prefix))!;
        Directory.CreateDirectory(dir);
        string? previous = File.Exists(JsonPath(prefix)) ? JsonPath(prefix) : null;
        State? old = previous is null ? null : Read(prefix);

        var state = model.state_dict();
        SafeTensors.Write(weights, state, overwrite: true);
        AtomicFile.Write(optimizerFile, tmp =>
        {
            using var stream = File.Create(tmp);
            using var writer = new BinaryWriter(stream);
            optimizer.save_state_dict(writer);
        }, overwrite: true);
        var json = new State(Format, step, model.Config.Seed, model.Config.Encoder.ToString(), trainSeconds, [.. losses],
            Path.GetFileName(weights), Path.GetFileName(optimizerFile));
        AtomicFile.WriteAllText(JsonPath(prefix), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));

        if (old is not null && old.Step != step)
        {
            File.Delete(Path.Combine(dir, old.Weights));
            File.Delete(Path.Combine(dir, old.Optimizer));
        }
    }

    /// <summary>
    /// Loads the checkpoint of <paramref name="prefix"/> into <paramref name="model"/> and <paramref name="optimizer"/>;
    /// returns the step it was taken after, the losses so far and the training seconds, or null when there is none.
    /// </summary>
    public static (int Step, List<double> Losses, double TrainSeconds)? Load(string prefix, MaeModel model, OptimizerHelper optimizer)
    {
        if (!File.Exists(JsonPath(prefix))) return null;
        var state = Read(prefix);
        if (state.Seed != model.Config.Seed)
            throw new InvalidDataException($"{JsonPath(prefix)}: checkpoint seed {state.Seed} differs from the run's seed {model.Config.Seed}.");
        if (state.Encoder != model.Config.Encoder.ToString())
            throw new InvalidDataException($"{JsonPath(prefix)}: checkpoint encoder '{state.Encoder}' differs from the run's '{model.Config.Encoder}'.");
        if (state.Losses.Count != state.Step)
            throw new InvalidDataException($"{JsonPath(prefix)}: {state.Losses.Count} losses recorded for {state.Step} steps.");
        var dir = Path.GetDirectoryName(Path.GetFullPath(prefix))!;
        var weights = SafeTensors.Read(Path.Combine(dir, state.Weights));
        try
        {
            var target = model.state_dict();
            var missing = target.Keys.Except(weights.Keys).ToList();
            var unexpected = weights.Keys.Except(target.Keys).ToList();
            var misShaped = weights.Keys.Intersect(target.Keys).Where(k => !weights[k].shape.SequenceEqual(target[k].shape)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0)
                throw new CheckpointMismatchException(Path.Combine(dir, state.Weights), missing, unexpected, misShaped);
            using (no_grad())
                foreach (var (k, v) in weights) target[k].copy_(v);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        using (var stream = File.OpenRead(Path.Combine(dir, state.Optimizer)))
        using (var reader = new BinaryReader(stream))
            optimizer.load_state_dict(reader);
        return (state.Step, state.Losses, state.TrainSeconds);
    }

    private static State Read(string prefix)
    {
        var path = JsonPath(prefix);
        State? state;
        try
        {
            state = JsonSerializer.Deserialize<State>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a pretraining checkpoint ({e.Message}).", e);
        }
        if (state is null || state.Format != Format)
            throw new InvalidDataException($"{path}: expected format '{Format}', got '{state?.Format}'.");
        if (state.Weights.Contains('/') || state.Optimizer.Contains('/') || state.Weights.Contains('\\') || state.Optimizer.Contains('\\'))
            throw new InvalidDataException($"{path}: checkpoint file names must not contain a directory.");
        return state;
    }
}
