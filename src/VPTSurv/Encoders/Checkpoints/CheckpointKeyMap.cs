using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>
/// Renames a foreign checkpoint's keys onto our encoders' state keys (timm's checkpoint_filter_fn idea): unwrap
/// prefixes, rename, merge split projections, and set aside the parts of a model that are not the image encoder.
/// </summary>
public static partial class CheckpointKeyMap
{
    /// <summary>The mapped state dict and the keys deliberately left out (e.g. SAM's mask decoder, a classifier head).</summary>
    public sealed record Mapped(Dictionary<string, Tensor> State, IReadOnlyList<string> Dropped, CheckpointLayout Layout);

    /// <summary>Guesses the layout from the key names.</summary>
    public static CheckpointLayout Detect(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        if (list.Any(k => k.StartsWith("image_encoder.", StringComparison.Ordinal) || k.Contains(".attn.rel_pos_h") || k.Contains(".mlp.lin1.")))
            return CheckpointLayout.Sam;
        if (list.Any(k => k.Contains("encoder.layer.")))
            return CheckpointLayout.HuggingFace;
        return CheckpointLayout.Timm;
    }

    /// <summary>
    /// Maps <paramref name="state"/> (which it takes ownership of) onto our keys. Tensors not carried over are
    /// disposed; merged tensors are new.
    /// </summary>
    public static Mapped Map(Dictionary<string, Tensor> state, CheckpointLayout layout)
    {
        state = StripCommonPrefix(state, "module."); // DataParallel / DDP wrappers
        if (layout == CheckpointLayout.Auto)
            layout = Detect(state.Keys);
        var dropped = new List<string>();
        var mapped = layout switch
        {
            CheckpointLayout.Sam => MapSam(state, dropped),
            CheckpointLayout.Timm => MapTimm(state, dropped),
            CheckpointLayout.HuggingFace => MapHuggingFace(state, dropped),
            _ => throw new ArgumentOutOfRangeException(nameof(layout)),
        };
        return new Mapped(mapped, dropped, layout);
    }

    private static Dictionary<string, Tensor> StripCommonPrefix(Dictionary<string, Tensor> state, string prefix)
    {
        if (state.Count == 0 || !state.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            return state;
        return state.ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }

    private static Dictionary<string, Tensor> MapSam(Dictionary<string, Tensor> state, List<string> dropped)
    {
        bool full = state.Keys.Any(k => k.StartsWith("image_encoder.", StringComparison.Ordinal));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in state)
        {
            if (!full)
                result[key] = value; // an encoder-only state dict already has our keys
            else if (key.StartsWith("image_encoder.", StringComparison.Ordinal))
                result[key["image_encoder.".Length..]] = value;
            else
            {
                dropped.Add(key); // prompt_encoder.*, mask_decoder.*: the rest of SAM, not the image encoder
                value.Dispose();
            }
        }
        return result;
    }

    private static Dictionary<string, Tensor> MapTimm(Dictionary<string, Tensor> state, List<string> dropped)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in state)
        {
            // The classifier and DINOv2's mask token are not part of the feature trunk.
            if (key.StartsWith("head.", StringComparison.Ordinal) || key.StartsWith("head_drop.", StringComparison.Ordinal) || key == "mask_token")
            {
                dropped.Add(key);
                value.Dispose();
            }
            else
                result[key] = value;
        }
        return result;
    }

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.(.+)$")]
    private static partial Regex HfLayer();

    private static Dictionary<string, Tensor> MapHuggingFace(Dictionary<string, Tensor> state, List<string> dropped)
    {
        // ViTForImageClassification nests the trunk under "vit." next to an unprefixed classifier.
        state = state.ToDictionary(kv => kv.Key.StartsWith("vit.", StringComparison.Ordinal) ? kv.Key[4..] : kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var qkvParts = new Dictionary<(string Layer, string Kind), Dictionary<string, (string Key, Tensor Value)>>();
        foreach (var (key, value) in state)
        {
            string? target = key switch
            {
                "embeddings.cls_token" => "cls_token",
                "embeddings.position_embeddings" => "pos_embed",
                "embeddings.patch_embeddings.projection.weight" => "patch_embed.proj.weight",
                "embeddings.patch_embeddings.projection.bias" => "patch_embed.proj.bias",
                "layernorm.weight" => "norm.weight",
                "layernorm.bias" => "norm.bias",
                _ => null,
            };
            if (target is not null)
            {
                result[target] = value;
                continue;
            }
            if (key.StartsWith("pooler.", StringComparison.Ordinal) || key.StartsWith("classifier.", StringComparison.Ordinal) || key == "embeddings.mask_token")
            {
                dropped.Add(key);
                value.Dispose();
                continue;
            }
            var m = HfLayer().Match(key);
            if (!m.Success)
            {
                result[key] = value; // left as is, so strict loading reports it as unexpected
                continue;
            }
            string n = m.Groups[1].Value, rest = m.Groups[2].Value;
            var qkv = Regex.Match(rest, @"^attention\.attention\.(query|key|value)\.(weight|bias)$");
            if (qkv.Success)
            {
                var slot = (n, qkv.Groups[2].Value);
                if (!qkvParts.TryGetValue(slot, out var parts)) qkvParts[slot] = parts = [];
                parts[qkv.Groups[1].Value] = (key, value);
                continue;
            }
            string? mappedRest = rest switch
            {
                "attention.output.dense.weight" => "attn.proj.weight",
                "attention.output.dense.bias" => "attn.proj.bias",
                "intermediate.dense.weight" => "mlp.fc1.weight",
                "intermediate.dense.bias" => "mlp.fc1.bias",
                "output.dense.weight" => "mlp.fc2.weight",
                "output.dense.bias" => "mlp.fc2.bias",
                "layernorm_before.weight" => "norm1.weight",
                "layernorm_before.bias" => "norm1.bias",
                "layernorm_after.weight" => "norm2.weight",
                "layernorm_after.bias" => "norm2.bias",
                "layer_scale1.lambda1" => "ls1.gamma",
                "layer_scale2.lambda1" => "ls2.gamma",
                _ => null,
            };
            result[mappedRest is null ? key : $"blocks.{n}.{mappedRest}"] = value;
        }
        foreach (var ((layer, kind), parts) in qkvParts)
        {
            if (parts.ContainsKey("query") && parts.ContainsKey("key") && parts.ContainsKey("value"))
            {
                // timm's fused qkv stacks q, k, v along the output axis.
                result[$"blocks.{layer}.attn.qkv.{kind}"] = cat([parts["query"].Value, parts["key"].Value, parts["value"].Value], 0);
                foreach (var p in parts.Values) p.Value.Dispose();
            }
            else
            {
                foreach (var p in parts.Values) result[p.Key] = p.Value; // incomplete: reported as unexpected
            }
        }
        return result;
    }
}
