using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>What a load did: the layout used, how many tensors were copied, which were resized and which set aside.</summary>
/// <param name="Source">The file (or "state dict").</param>
/// <param name="Layout">The key layout used.</param>
/// <param name="Loaded">Number of tensors copied into the encoder.</param>
/// <param name="Resized">Position tables resampled to this encoder's grid, as "key: [from] -> [to]".</param>
/// <param name="Dropped">Checkpoint keys that belong to other parts of the original model (not loaded).</param>
/// <param name="Missing">Model keys not in the checkpoint (only non-empty when loading non-strictly).</param>
/// <param name="Unexpected">Checkpoint keys the model lacks (only non-empty when loading non-strictly).</param>
public sealed record LoadReport(string Source, CheckpointLayout Layout, int Loaded, IReadOnlyList<string> Resized,
    IReadOnlyList<string> Dropped, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>
/// Loads SAM, timm or Hugging Face ViT weights (safetensors or PyTorch <c>.pth</c>) into a <see cref="ViTEncoder"/>:
/// keys mapped, position tables resized to the tile grid, strict by default with one error naming every missing,
/// unexpected and mis-shaped key.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>
    /// Reads a checkpoint file into float32 tensors: safetensors by content, else a PyTorch zip. Shipped weights are
    /// named by their symbol (<see cref="ShippedWeights.Cpu"/>, <c>shipped:cpu-encoder</c>).
    /// </summary>
    public static Dictionary<string, Tensor> ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = ShippedWeights.Resolve(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        Span<byte> magic = stackalloc byte[4];
        int read;
        using (var f = File.OpenRead(path)) read = f.Read(magic);
        bool zip = read == 4 && magic[0] == 0x50 && magic[1] == 0x4b && magic[2] == 0x03 && magic[3] == 0x04;
        if (zip) return PthReader.Read(path);
        if (path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase))
            throw new CheckpointFormatException(path,
                "not a zip-format PyTorch file; legacy (pre-1.6) torch.save files are not supported. Re-save with torch.save(state_dict) or convert to safetensors.");
        return SafeTensors.Read(path);
    }

    /// <summary>Loads the checkpoint file (or shipped weights' symbol) <paramref name="path"/> into <paramref name="encoder"/>.</summary>
    public static LoadReport Load(ViTEncoder encoder, string path, CheckpointLayout layout = CheckpointLayout.Auto, bool strict = true) =>
        Load(encoder, ReadFile(path), layout, strict, path);

    /// <summary>
    /// Loads <paramref name="state"/> (ownership taken; disposed afterwards) into <paramref name="encoder"/>.
    /// Throws <see cref="CheckpointMismatchException"/> listing every problem; mis-shaped keys fail even when not strict.
    /// </summary>
    public static LoadReport Load(ViTEncoder encoder, Dictionary<string, Tensor> state, CheckpointLayout layout = CheckpointLayout.Auto,
        bool strict = true, string source = "state dict")
    {
        var mapped = CheckpointKeyMap.Map(state, layout);
        var incoming = mapped.State;
        var dropped = mapped.Dropped.ToList();
        if (encoder is SamViT { SamConfig.NeckChannels: 0 })
        {
            // SAM's neck feeds the mask decoder; a survival encoder built without it sets those weights aside.
            foreach (var key in incoming.Keys.Where(k => k.StartsWith("neck.", StringComparison.Ordinal)).ToList())
            {
                dropped.Add(key);
                incoming[key].Dispose();
                incoming.Remove(key);
            }
        }
        try
        {
            var target = encoder.state_dict();
            var resized = ResizePositionTables(encoder, incoming, target);
            var missing = target.Keys.Where(k => !incoming.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            var unexpected = incoming.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            var misShaped = incoming.Keys.Where(target.ContainsKey)
                .Where(k => !incoming[k].shape.SequenceEqual(target[k].shape))
                .OrderBy(k => k, StringComparer.Ordinal)
                .Select(k => $"{k}: checkpoint [{string.Join(", ", incoming[k].shape)}] vs model [{string.Join(", ", target[k].shape)}]")
                .ToList();
            if (misShaped.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
                throw new CheckpointMismatchException(source, missing, unexpected, misShaped);

            int loaded = 0;
            using (no_grad())
            {
                foreach (var (key, value) in incoming)
                {
                    if (!target.TryGetValue(key, out var dest)) continue;
                    dest.copy_(value.to(dest.dtype, dest.device));
                    loaded++;
                }
            }
            return new LoadReport(source, mapped.Layout, loaded, resized, dropped,
                strict ? [] : missing, strict ? [] : unexpected);
        }
        finally
        {
            foreach (var t in incoming.Values) t.Dispose();
        }
    }

    private static List<string> ResizePositionTables(ViTEncoder encoder, Dictionary<string, Tensor> incoming, Dictionary<string, Tensor> target)
    {
        var resized = new List<string>();
        void Replace(string key, Func<Tensor, Tensor> resize)
        {
            var old = incoming[key];
            var now = resize(old);
            resized.Add($"{key}: [{string.Join(", ", old.shape)}] -> [{string.Join(", ", now.shape)}]");
            incoming[key] = now;
            old.Dispose();
        }
        foreach (var key in incoming.Keys.ToList())
        {
            if (!target.TryGetValue(key, out var dest)) continue;
            var src = incoming[key];
            if (src.shape.SequenceEqual(dest.shape)) continue;
            if (encoder is SamViT && key == "pos_embed" && src.dim() == 4 && src.shape[1] == src.shape[2] && src.shape[3] == dest.shape[3])
                Replace(key, t => PositionTables.ResizeGrid(t, dest.shape[1]));
            else if (encoder is SamViT && (key.EndsWith(".attn.rel_pos_h", StringComparison.Ordinal) || key.EndsWith(".attn.rel_pos_w", StringComparison.Ordinal))
                     && src.dim() == 2 && src.shape[1] == dest.shape[1])
                Replace(key, t => RelativePosition.Resize(t, dest.shape[0]));
            else if (encoder is TimmViT timm && key == "pos_embed" && src.dim() == 3 && src.shape[2] == dest.shape[2])
            {
                int prefix = timm.Config.NoEmbedClass ? 0 : timm.Config.PrefixTokens;
                long grid = timm.Config.GridSize;
                long old = src.shape[1] - prefix;
                long side = (long)Math.Round(Math.Sqrt(old));
                if (old > 0 && side * side == old)
                    Replace(key, t => PositionTables.ResizeSequence(t, prefix, grid));
            }
        }
        return resized;
    }
}
