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
/// preset's, recorded in <c>config.json</c>), <c>bins.json</c> (the time-bin edges fitted on the training split) and
/// <c>standardization.json</c> (the decoder-input feature standardisation fitted on the training split).
/// </summary>
public static class TwoStageModelFile
{
    /// <summary>File name of the weights.</summary>
    public const string Weights = "decoder.safetensors";

    /// <summary>File name of the time bins.</summary>
    public const string Bins = "bins.json";

    /// <summary>File name of the feature standardisation.</summary>
    public const string Standardization = "standardization.json";

    /// <summary>Writes the decoder's trainable weights, the bins and the feature standardisation (atomically).</summary>
    public static void Save(BagDecoder decoder, TimeBins bins, Model.FeatureStandardization standardization, string weightsPath, string binsPath,
        string standardizationPath, bool overwrite, string decoderName)
    {
        standardization.Save(standardizationPath, overwrite);
        SafeTensors.Write(weightsPath, TrainingCheckpoint.Trainable(decoder).ToDictionary(p => p.Key, p => (Tensor)p.Value), overwrite,
            new Dictionary<string, string> { ["format"] = "vptsurv-two-stage/1", ["decoder"] = decoderName });
        if (overwrite && File.Exists(binsPath)) File.Delete(binsPath);
        bins.Save(binsPath);
    }

    /// <summary>Reads the feature standardisation next to the weights; a model folder without it names the file.</summary>
    public static Model.FeatureStandardization LoadStandardization(string path) =>
        File.Exists(path) ? Model.FeatureStandardization.Load(path)
        : throw new CliInputException($"Two-stage model file '{path}' is missing (a model trained before the decoder-input standardisation; train it again).");

    /// <summary>Builds decoder <paramref name="decoderName"/> for <paramref name="preset"/> and loads its weights (strict).</summary>
    public static BagDecoder Load(string weightsPath, string decoderName, Preset preset)
    {
        if (!File.Exists(weightsPath)) throw new CliInputException($"Two-stage decoder weights '{weightsPath}' do not exist.");
        var decoder = DecoderRegistry.Get(decoderName).Build(preset);
        var weights = SafeTensors.Read(weightsPath);
        try { TrainingCheckpoint.LoadTrainable(weightsPath, decoder, weights); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        decoder.eval();
        return decoder;
    }
}
