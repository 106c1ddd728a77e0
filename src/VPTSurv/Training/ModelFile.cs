using System.Reflection;
using System.Text.Json;
using VPTSurv.Data;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Model;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// A trained model in one self-describing safetensors file: the trainable weights (two-stage: the decoder's; end to
/// end: the prompt sources', adaptors' and decoder's — the frozen encoder is the preset's, referenced by its weights
/// symbol and checked by its hash) and, in the header's <c>__metadata__</c>, everything else needed to predict: the
/// format and library versions, the method, the preset's JSON, the decoder's registry name, the time-bin edges, the
/// decoder-input feature standardisation and the encoder's weights hash. Writes are atomic and never replace a file
/// unless asked.
/// </summary>
/// <example><code>
/// using (var result = new TwoStagePipeline(Preset.Smoke, DecoderRegistry.Get("abmil")).Fit(cohort))
///     result.Save("abmil.safetensors");
/// using var model = ModelFile.Load("abmil.safetensors");
/// var test = model.Predict(cohort, Split.Test);
/// </code></example>
public static class ModelFile
{
    /// <summary>The value of the header's <see cref="Keys.Format"/> this version writes and reads.</summary>
    public const string Format = "vptsurv-model/1";

    /// <summary>The keys of the header's metadata.</summary>
    public static class Keys
    {
        /// <summary><see cref="ModelFile.Format"/>.</summary>
        public const string Format = "format";

        /// <summary>The library version that wrote the file.</summary>
        public const string LibraryVersion = "library_version";

        /// <summary>"two-stage" or "end-to-end".</summary>
        public const string Method = "method";

        /// <summary>The preset's JSON (<see cref="PresetJson.Of"/>).</summary>
        public const string Preset = "preset";

        /// <summary>The decoder's <see cref="DecoderRegistry"/> name.</summary>
        public const string Decoder = "decoder";

        /// <summary>The time-bin edges, a JSON array.</summary>
        public const string BinEdges = "bin_edges";

        /// <summary>The feature standardisation's JSON (<see cref="FeatureStandardization.ToJson"/>).</summary>
        public const string Standardization = "standardization";

        /// <summary>The tabular prompt's covariate standardisation (<see cref="CovariateStandardization.ToJson"/>), when the model has one.</summary>
        public const string Covariates = "covariates";

        /// <summary>SHA-256 of the frozen encoder's weights (<see cref="PresetJson.WeightsHash"/>).</summary>
        public const string EncoderHash = "encoder_hash";
    }

    /// <summary>The informational version of this library (what <see cref="Keys.LibraryVersion"/> records).</summary>
    public static string LibraryVersion { get; } =
        typeof(ModelFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// Writes <paramref name="result"/>'s model to <paramref name="path"/> (atomically; an existing file is replaced
    /// only when <paramref name="overwrite"/>). Its decoder must be registered (<see cref="DecoderRegistry"/>) so the
    /// file can name it.
    /// </summary>
    public static void Save(TrainingResult result, string path, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(path);
        TorchSharp.torch.nn.Module module = (TorchSharp.torch.nn.Module?)result.Model ?? result.Decoder
            ?? throw new InvalidOperationException("ModelFile.Save: the result holds no model.");
        var decoder = result.Model?.BagDecoder ?? result.Decoder!;
        var entry = DecoderRegistry.OfType(decoder.GetType())
            ?? throw new InvalidOperationException($"ModelFile.Save: decoder type {decoder.GetType().Name} is not registered; register it (DecoderRegistry.Register) to save it.");
        var standardization = result.Standardization ?? throw new InvalidOperationException("ModelFile.Save: the result has no feature standardisation.");
        var metadata = new Dictionary<string, string>
        {
            [Keys.Format] = Format,
            [Keys.LibraryVersion] = LibraryVersion,
            [Keys.Method] = result.Method,
            [Keys.Preset] = PresetJson.Of(result.Preset),
            [Keys.Decoder] = entry.Name,
            [Keys.BinEdges] = JsonSerializer.Serialize(result.Bins.Edges),
            [Keys.Standardization] = standardization.ToJson(),
            [Keys.EncoderHash] = result.EncoderHash,
        };
        if (result.Covariates is { } covariates) metadata[Keys.Covariates] = covariates.ToJson();
        SafeTensors.Write(path, TrainingCheckpoint.Trainable(module).ToDictionary(p => p.Key, p => (Tensor)p.Value), overwrite, metadata);
    }

    /// <summary>
    /// Reads a model <see cref="Save"/> wrote, with no other file: the preset from the header (or
    /// <paramref name="preset"/>, which must then be the one saved), the decoder by its registry name, the encoder from
    /// the preset's weights (checked against the saved hash, end to end). <paramref name="log"/> receives what was loaded.
    /// The model is put on <paramref name="device"/> (null = CPU).
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointFormatException">Not a model file, or a key missing or not matching (the message names the file and the key).</exception>
    public static TrainedModel Load(string path, Preset? preset = null, Action<string>? log = null, TorchSharp.torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        var meta = SafeTensors.ReadMetadata(path);
        string Key(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new CheckpointFormatException(path, $"key '{key}' is missing from the header's __metadata__ (not a model file written by ModelFile.Save?).");
        T Parsed<T>(string key, Func<string, T> parse)
        {
            try { return parse(Key(key)); }
            catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException)
            {
                throw new CheckpointFormatException(path, $"key '{key}': {e.Message}", e);
            }
        }
        if (Key(Keys.Format) != Format)
            throw new CheckpointFormatException(path, $"key '{Keys.Format}' is '{meta[Keys.Format]}'; this library ({LibraryVersion}) reads '{Format}'.");
        string method = Key(Keys.Method);
        if (method is not (TrainedModel.TwoStage or TrainedModel.EndToEnd))
            throw new CheckpointFormatException(path, $"key '{Keys.Method}' is '{method}'; expected '{TrainedModel.TwoStage}' or '{TrainedModel.EndToEnd}'.");
        var saved = Parsed(Keys.Preset, json => PresetJson.Parse(json, $"{path} key '{Keys.Preset}'"));
        if (preset is not null && PresetJson.Of(preset) != Key(Keys.Preset))
            throw new CheckpointFormatException(path, $"key '{Keys.Preset}': the model was trained with preset '{saved.Name}' as saved in the file, not with the preset given (they differ).");
        string decoderName = Key(Keys.Decoder);
        var entry = DecoderRegistry.TryGet(decoderName)
            ?? throw new CheckpointFormatException(path, $"key '{Keys.Decoder}' is '{decoderName}', which is not registered (known: {string.Join(", ", DecoderRegistry.Names)}); register it before loading.");
        var bins = Parsed(Keys.BinEdges, json => new TimeBins(JsonSerializer.Deserialize<double[]>(json) ?? throw new InvalidDataException("null")));
        var standardization = Parsed(Keys.Standardization, json => FeatureStandardization.FromJson(json, Keys.Standardization));
        var covariates = meta.ContainsKey(Keys.Covariates) ? Parsed(Keys.Covariates, json => CovariateStandardization.FromJson(json, Keys.Covariates)) : null;
        if (covariates is null && saved.Prompts.Needs.HasFlag(SlideInputParts.Covariates) && method == TrainedModel.EndToEnd)
            log?.Invoke($"{path}: no '{Keys.Covariates}' key (written before covariate standardisations were saved); covariates are standardised on each cohort's training split");
        string encoderHash = Key(Keys.EncoderHash);
        var weights = SafeTensors.Read(path);
        try
        {
            return method == TrainedModel.TwoStage
                ? TrainedModel.TwoStageFrom(path, saved, entry, bins, standardization, encoderHash, weights, device)
                : TrainedModel.EndToEndFrom(path, saved, entry, bins, standardization, covariates, encoderHash, weights, log, device);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }
}
