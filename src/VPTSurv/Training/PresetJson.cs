using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Encoders.Checkpoints;
using VPTSurv.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>The preset as canonical JSON (stored in checkpoints and compared on resume), and content hashes of weights.</summary>
public static class PresetJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The preset's JSON, the encoder written with its concrete type's fields.</summary>
    public static string Of(Preset preset) => JsonSerializer.Serialize(new
    {
        preset.Name,
        EncoderType = preset.Encoder.GetType().Name,
        Encoder = (object)preset.Encoder,
        preset.EncoderWeights,
        WeightsLayout = preset.WeightsLayout.ToString(),
        preset.Prompts,
        preset.Decoder,
        preset.Training,
    }, Options);

    /// <summary>
    /// The preset <see cref="Of"/> wrote (encoder types <see cref="SamViTConfig"/> and <see cref="TimmViTConfig"/>);
    /// the result must write back to exactly <paramref name="json"/>. <paramref name="source"/> names the file in errors.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a preset's JSON, an unknown encoder type, or a field this version does not read back.</exception>
    public static Preset Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        Preset preset;
        try
        {
            var node = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{source}: the preset is JSON null.");
            T Part<T>(string key) => node[key].Deserialize<T>(Options) ?? throw new InvalidDataException($"{source}: the preset has no '{key}'.");
            string encoderType = Part<string>("EncoderType");
            EncoderConfig encoder = encoderType switch
            {
                nameof(SamViTConfig) => Part<SamViTConfig>("Encoder"),
                nameof(TimmViTConfig) => Part<TimmViTConfig>("Encoder"),
                _ => throw new InvalidDataException($"{source}: the preset's encoder type '{encoderType}' is not SamViTConfig or TimmViTConfig."),
            };
            preset = new Preset(Part<string>("Name"), encoder, node["EncoderWeights"]?.GetValue<string>(),
                Enum.Parse<CheckpointLayout>(Part<string>("WeightsLayout")), Part<PromptConfig>("Prompts"), Part<VPTSurvDecoderConfig>("Decoder"),
                Part<TrainingSettings>("Training"));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a preset's JSON ({e.Message}).", e);
        }
        if (Of(preset) != json)
            throw new InvalidDataException($"{source}: the preset does not read back to the JSON it was saved as (a field this version of the library does not know?).");
        return preset;
    }

    /// <summary>Hex SHA-256 of a module's parameters and buffers (names, shapes and float32 bytes, in name order).</summary>
    public static string WeightsHash(nn.Module module)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var named = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers())
            .OrderBy(p => p.Item1, StringComparer.Ordinal);
        foreach (var (name, t) in named)
        {
            using var scope = NewDisposeScope();
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}:{string.Join(",", t.shape)};"));
            var values = t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
