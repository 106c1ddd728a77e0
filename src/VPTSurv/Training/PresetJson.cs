using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
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
