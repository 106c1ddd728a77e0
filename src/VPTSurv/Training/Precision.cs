using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// Number format of the frozen encoder's weights and activations. The trainable parts (prompt sources, adaptors, Up,
/// decoder), the loss and the optimiser state stay float32 whatever is chosen; values cross the boundary by a cast
/// (autocast-like at module granularity), so gradients reach the fp32 parameters in fp32.
/// </summary>
public enum Precision
{
    /// <summary>float32 everywhere (the default).</summary>
    Float32,

    /// <summary>
    /// The frozen ViT in bfloat16 (weights and block activations): half the activation memory of the encoder and, on
    /// CPUs with bf16 matrix units, faster GEMMs; libtorch runs it on CPU and CUDA.
    /// </summary>
    BFloat16,
}

/// <summary>Conversions of <see cref="Precision"/>.</summary>
public static class PrecisionExtensions
{
    /// <summary>The libtorch element type of <paramref name="precision"/>.</summary>
    public static ScalarType ToScalarType(this Precision precision) => precision switch
    {
        Precision.Float32 => ScalarType.Float32,
        Precision.BFloat16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "expected Float32 or BFloat16."),
    };

    /// <summary>The short name used in configs: <c>fp32</c> or <c>bf16</c>.</summary>
    public static string ShortName(this Precision precision) => precision switch
    {
        Precision.Float32 => "fp32",
        Precision.BFloat16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "expected Float32 or BFloat16."),
    };

    /// <summary>
    /// Parses <c>fp32</c>, <c>float32</c>, <c>bf16</c> or <c>bfloat16</c> (case-insensitive); throws naming what was
    /// expected otherwise.
    /// </summary>
    public static Precision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Float32,
        "bf16" or "bfloat16" => Precision.BFloat16,
        _ => throw new ArgumentException($"Unknown precision '{text}': expected fp32 (float32) or bf16 (bfloat16).", nameof(text)),
    };
}

/// <summary>Reads <see cref="Precision"/> from <c>"fp32"</c>/<c>"bf16"</c> (or the enum names) and writes the short name.</summary>
public sealed class PrecisionJsonConverter : JsonConverter<Precision>
{
    /// <inheritdoc />
    public override Precision Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"expected \"fp32\" or \"bf16\", got a JSON {reader.TokenType.ToString().ToLowerInvariant()}");
        var text = reader.GetString()!;
        try { return PrecisionExtensions.Parse(text); }
        catch (ArgumentException) { throw new JsonException($"unknown precision \"{text}\": expected \"fp32\" or \"bf16\""); }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Precision value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ShortName());
}
