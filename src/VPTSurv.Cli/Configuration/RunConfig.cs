using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VPTSurv.Cli.Terminal;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Evaluation;
using VPTSurv.Prompts;
using VPTSurv.Training;

namespace VPTSurv.Cli.Configuration;

/// <summary>
/// Everything a command runs with: the preset (after the config file and the command-line overrides), the cohort
/// manifest, the device, the two-stage decoder and the evaluation settings. <see cref="Resolved"/> is the complete
/// config as JSON (written next to the results as <c>config.json</c>; <c>--config</c> of it gives the same run).
/// </summary>
/// <param name="Preset">The preset with every override applied (validated).</param>
/// <param name="Manifest">Manifest path, or null for the embedded default cohort.</param>
/// <param name="Device">auto, cpu, cuda or cuda:N.</param>
/// <param name="BagDecoder">Decoder of the two-stage pipeline (vptsurv, abmil, transmil, patchgcn, deepattnmisl, hvtsurv).</param>
/// <param name="Evaluation">Bootstrap and metric settings.</param>
/// <param name="Resolved">The complete config as JSON.</param>
public sealed record RunConfig(Preset Preset, string? Manifest, string Device, string BagDecoder, EvaluationOptions Evaluation, JsonObject Resolved)
{
    /// <summary>Top-level keys of a config file.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["preset", "manifest", "device", "seed", "encoderWeights", "bagDecoder", "encoder", "prompts", "decoder", "training", "evaluation"];

    /// <summary>How configs are read and written: camelCase keys, unknown keys rejected, enums as names.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        IgnoreReadOnlyProperties = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    /// <summary>
    /// Resolves a run: preset <paramref name="presetName"/> (else the config's <c>preset</c>, else
    /// <paramref name="defaultPreset"/>), then the config file's keys, then <paramref name="overrides"/> (dotted key =
    /// JSON value, e.g. <c>training.epochs=3</c>), in that order. Unknown keys, wrong types and invalid values throw a
    /// <see cref="CliInputException"/> naming the file and the key.
    /// </summary>
    /// <param name="presetName">The --preset option, or null.</param>
    /// <param name="configPath">The --config file, or null.</param>
    /// <param name="overrides">Command-line overrides (dotted key, JSON value).</param>
    /// <param name="defaultPreset">The preset when neither the option nor the config names one.</param>
    /// <param name="commandDefaults">A command's own defaults for the chosen preset (a config object applied before the
    /// config file, so the file and the command line still win); null for none.</param>
    public static RunConfig Resolve(string? presetName, string? configPath, IEnumerable<KeyValuePair<string, JsonNode?>> overrides,
        string defaultPreset = "cpu", Func<Preset, JsonObject?>? commandDefaults = null)
    {
        var file = configPath is null ? new JsonObject() : ReadFile(configPath);
        string where = configPath is null ? "command line" : $"config '{configPath}'";
        foreach (var key in file.Select(p => p.Key))
            if (!Keys.Contains(key))
                throw new CliInputException($"{Cap(where)}: unknown key '{key}'; expected one of {string.Join(", ", Keys)} (see configs/README.md).");

        var merged = (JsonObject)file.DeepClone();
        foreach (var (key, value) in overrides)
            SetDotted(merged, key, value);

        string name = presetName ?? (merged["preset"] is { } p ? Value<string>(p, "preset", where) : defaultPreset);
        Preset basePreset;
        try { basePreset = Preset.ByName(name); }
        catch (ArgumentException e) { throw new CliInputException($"{Cap(where)}: {e.Message}"); }
        if (commandDefaults?.Invoke(basePreset) is { } defaults)
        {
            Merge(defaults, merged);
            merged = defaults;
        }

        // The decoder's own training defaults (DecoderRegistry) go under what the config and the command line set.
        string bag = merged["bagDecoder"] is { } b ? Value<string>(b, "bagDecoder", where).ToLowerInvariant() : "vptsurv";
        basePreset = (DecoderRegistry.TryGet(bag)
            ?? throw new CliInputException($"{Cap(where)}: key 'bagDecoder' is '{bag}'; expected one of {string.Join(", ", DecoderRegistry.Names)}.")).TrainingPreset(basePreset);

        var encoder = (EncoderConfig)Patch(basePreset.Encoder, basePreset.Encoder.GetType(), merged, "encoder", where);
        var prompts = (PromptConfig)Patch(basePreset.Prompts, typeof(PromptConfig), merged, "prompts", where);
        var decoder = (VPTSurvDecoderConfig)Patch(basePreset.Decoder, typeof(VPTSurvDecoderConfig), merged, "decoder", where);
        var training = (TrainingSettings)Patch(basePreset.Training, typeof(TrainingSettings), merged, "training", where);
        var evaluation = (EvaluationOptions)Patch(EvaluationOptions.Default, typeof(EvaluationOptions), merged, "evaluation", where);
        if (merged["seed"] is { } seed) training = training with { Seed = Value<int>(seed, "seed", where) };
        string? weights = merged.ContainsKey("encoderWeights") ? Value<string?>(merged["encoderWeights"], "encoderWeights", where) : basePreset.EncoderWeights;
        string? manifest = merged["manifest"] is { } m ? Value<string>(m, "manifest", where) : null;
        string device = merged["device"] is { } d ? Value<string>(d, "device", where) : "auto";

        var preset = basePreset with
        {
            Encoder = encoder, EncoderWeights = weights, Prompts = prompts, Decoder = decoder, Training = training,
        };
        try { preset.Validate(); }
        catch (ArgumentException e) { throw new CliInputException($"{Cap(where)}: the resulting preset is not usable: {e.Message}"); }

        var resolved = new JsonObject
        {
            ["preset"] = basePreset.Name,
            ["manifest"] = manifest,
            ["device"] = device,
            ["encoderWeights"] = weights,
            ["bagDecoder"] = bag,
            ["encoder"] = JsonSerializer.SerializeToNode(preset.Encoder, preset.Encoder.GetType(), Json),
            ["prompts"] = JsonSerializer.SerializeToNode(preset.Prompts, Json),
            ["decoder"] = JsonSerializer.SerializeToNode(preset.Decoder, Json),
            ["training"] = JsonSerializer.SerializeToNode(preset.Training, Json),
            ["evaluation"] = JsonSerializer.SerializeToNode(evaluation, Json),
        };
        return new RunConfig(preset, manifest, device, bag, evaluation, resolved);
    }

    /// <summary>Parses <c>key=value</c> (value as JSON, else as a string) from <c>--set</c>.</summary>
    public static KeyValuePair<string, JsonNode?> ParseAssignment(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new CliInputException($"--set '{text}': expected key=value, e.g. training.epochs=3.");
        var key = text[..eq].Trim();
        var raw = text[(eq + 1)..].Trim();
        JsonNode? value;
        try { value = JsonNode.Parse(raw); }
        catch (JsonException) { value = JsonValue.Create(raw); }
        return KeyValuePair.Create(key, value);
    }

    private static JsonObject ReadFile(string path)
    {
        if (!File.Exists(path)) throw new CliInputException($"Config file '{path}' does not exist.");
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        try
        {
            var text = File.ReadAllText(path);
            using (var doc = JsonDocument.Parse(text, options))
                if (DuplicateKey(doc.RootElement) is { } duplicate)
                    throw new CliInputException($"Config '{path}': key '{duplicate}' appears twice; give each setting once.");
            var node = JsonNode.Parse(text, documentOptions: options);
            return node as JsonObject ?? throw new CliInputException($"Config '{path}': expected a JSON object at the top level.");
        }
        catch (JsonException e)
        {
            throw new CliInputException($"Config '{path}' is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
    }

    /// <summary>The dotted path of the first repeated key (JSON allows them; JsonNode would fail later without the file's name).</summary>
    private static string? DuplicateKey(JsonElement root)
    {
        var pending = new Stack<(string Path, JsonElement Element)>();
        pending.Push(("", root));
        while (pending.Count > 0)
        {
            var (path, element) = pending.Pop();
            if (element.ValueKind == JsonValueKind.Array)
                foreach (var item in element.EnumerateArray()) pending.Push((path, item));
            if (element.ValueKind != JsonValueKind.Object) continue;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in element.EnumerateObject())
            {
                var full = path.Length == 0 ? p.Name : $"{path}.{p.Name}";
                if (!seen.Add(p.Name)) return full;
                pending.Push((full, p.Value));
            }
        }
        return null;
    }

    /// <summary>Levels of a dotted override key at most; the deepest config key has three (training.subset.train).</summary>
    private const int MaxOverrideLevels = 8;

    /// <summary>Nesting of a section (objects and arrays) at most, below System.Text.Json's limit of 64 for the section and its value.</summary>
    private const int MaxSectionDepth = 48;

    private static void SetDotted(JsonObject root, string key, JsonNode? value)
    {
        var parts = key.Split('.');
        if (parts.Length > MaxOverrideLevels)
            throw new CliInputException($"Override '{(key.Length > 60 ? key[..60] + "…" : key)}': {parts.Length} levels of keys; config keys have at most " +
                $"{MaxOverrideLevels} (the deepest is training.subset.train).");
        if (!Keys.Contains(parts[0]))
            throw new CliInputException($"Override '{key}': unknown key '{parts[0]}'; expected one of {string.Join(", ", Keys)}.");
        var node = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                child = new JsonObject();
                node[parts[i]] = child;
            }
            node = child;
        }
        node[parts[^1]] = value?.DeepClone();
    }

    /// <summary>The section's keys merged over <paramref name="current"/>, deserialised strictly (unknown keys throw).</summary>
    private static object Patch(object current, Type type, JsonObject merged, string section, string where)
    {
        if (!merged.ContainsKey(section)) return current;
        if (merged[section] is not JsonObject patch)
            throw new CliInputException($"{Cap(where)}: key '{section}' must be an object of settings, e.g. {{\"epochs\": 3}}.");
        if (Depth(patch) > MaxSectionDepth)
            throw new CliInputException($"{Cap(where)}: key '{section}' nests objects or arrays more than {MaxSectionDepth} levels deep; no setting does.");
        var node = JsonSerializer.SerializeToNode(current, type, Json)!.AsObject();
        var settable = node.Select(p => p.Key).ToList();
        Merge(node, patch);
        try
        {
            return JsonSerializer.Deserialize(node, type, Json)
                ?? throw new CliInputException($"{Cap(where)}: key '{section}' cannot be null.");
        }
        catch (JsonException e)
        {
            var path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            var key = path.Length == 0 ? section : $"{section}.{path}";
            var unmapped = UnmappedName(e.Message);
            // The serializer's path already ends with the unknown name; append it only when it does not.
            if (unmapped is not null && path != unmapped && !path.EndsWith("." + unmapped, StringComparison.Ordinal))
                key = path.Length == 0 ? $"{section}.{unmapped}" : $"{section}.{path}.{unmapped}";
            var reason = unmapped is not null
                ? $"unknown key (settable keys of '{section}': {string.Join(", ", settable)})"
                : e.Message.Split(" Path:")[0];
            throw new CliInputException($"{Cap(where)}: key '{key}': {reason}.");
        }
    }

    /// <summary>Nesting depth of <paramref name="root"/> (1 for an object of plain values), counted without recursion.</summary>
    private static int Depth(JsonNode root)
    {
        int max = 0;
        var stack = new Stack<(JsonNode Node, int Depth)>([(root, 1)]);
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            max = Math.Max(max, depth);
            IEnumerable<JsonNode?> children = node switch { JsonObject o => o.Select(p => p.Value), JsonArray a => a, _ => [] };
            foreach (var child in children)
                if (child is JsonObject or JsonArray) stack.Push((child, depth + 1));
        }
        return max;
    }

    private static string? UnmappedName(string message)
    {
        const string marker = "The JSON property '";
        int i = message.IndexOf(marker, StringComparison.Ordinal);
        if (i < 0 || !message.Contains("could not be mapped", StringComparison.Ordinal)) return null;
        int start = i + marker.Length, end = message.IndexOf('\'', start);
        return end > start ? message[start..end] : null;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is JsonObject p && target[key] is JsonObject t) Merge(t, p);
            else target[key] = value?.DeepClone();
        }
    }

    private static T Value<T>(JsonNode? node, string key, string where)
    {
        try { return node is null ? default! : node.Deserialize<T>(Json)!; }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CliInputException($"{Cap(where)}: key '{key}' must be a {typeof(T).Name.ToLowerInvariant()}, got {node?.ToJsonString()}.");
        }
    }

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
