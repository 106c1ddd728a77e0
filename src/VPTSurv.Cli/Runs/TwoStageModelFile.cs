using System.Text.Json.Nodes;
using VPTSurv.Cli.Terminal;
using VPTSurv.Decoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Survival;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Cli.Runs;

/// <summary>
/// A trained two-stage decoder on disk: <c>decoder.safetensors</c> (its trainable weights; the frozen encoder is the
/// preset's, recorded in <c>config.json</c>) and <c>bins.json</c> (the time-bin edges fitted on the training split).
/// </summary>
public static class TwoStageModelFile
{
    /// <summary>File name of the weights.</summary>
    public const string Weights = "decoder.safetensors";

    /// <summary>File name of the time bins.</summary>
    public const string Bins = "bins.json";

    /// <summary>Writes the decoder's trainable weights and the bins (atomically).</summary>
    public static void Save(BagDecoder decoder, TimeBins bins, string weightsPath, string binsPath, bool overwrite, string decoderName)
    {
        SafeTensors.Write(weightsPath, TrainingCheckpoint.Trainable(decoder).ToDictionary(p => p.Key, p => (Tensor)p.Value), overwrite,
            new Dictionary<string, string> { ["format"] = "vptsurv-two-stage/1", ["decoder"] = decoderName });
        if (overwrite && File.Exists(binsPath)) File.Delete(binsPath);
        bins.Save(binsPath);
    }

    /// <summary>Builds decoder <paramref name="decoderName"/> for <paramref name="preset"/> and loads its weights (strict).</summary>
    public static BagDecoder Load(string weightsPath, string decoderName, Preset preset)
    {
        if (!File.Exists(weightsPath)) throw new CliInputException($"Two-stage decoder weights '{weightsPath}' do not exist.");
        var make = BagDecoders.For(decoderName, preset);
        var decoder = make?.Invoke() ?? new VPTSurvDecoder(preset.Decoder);
        var weights = SafeTensors.Read(weightsPath);
        try { TrainingCheckpoint.LoadTrainable(weightsPath, decoder, weights); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        decoder.eval();
        return decoder;
    }
}
