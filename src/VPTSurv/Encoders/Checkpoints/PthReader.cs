using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>
/// PyTorch <c>torch.save(state_dict)</c> files (zip format) read through TorchSharp.PyBridge's restricted
/// unpickler, which rebuilds tensors only and never executes pickled code. Whole pickled models are refused.
/// A top-level wrapper dictionary (<c>{"model": state_dict}</c>, <c>{"state_dict": ...}</c>) is unwrapped.
/// </summary>
public static class PthReader
{
    /// <summary>Reads every tensor of <paramref name="path"/> as float32 (caller owns and disposes them).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception ex) when (ex is not IOException)
        {
            throw new CheckpointFormatException(path,
                $"not a readable PyTorch state_dict (expected the zip format written by torch.save(model.state_dict())): {ex.Message}", ex);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Flatten(path, table, "", result);
        if (result.Count == 0)
            throw new CheckpointFormatException(path, "the file holds no tensors.");
        return result;
    }

    private static void Flatten(string path, IDictionary table, string prefix, Dictionary<string, Tensor> into)
    {
        foreach (DictionaryEntry kv in table)
        {
            var key = kv.Key as string ?? throw new CheckpointFormatException(path, $"non-string key '{kv.Key}' in the state_dict.");
            bool wrapper = prefix.Length == 0 && key is "model" or "state_dict" or "module";
            switch (kv.Value)
            {
                case Tensor t:
                    into[prefix + key] = t.dtype == ScalarType.Float32 ? t : ConvertAndDispose(t);
                    break;
                case IDictionary nested:
                    // Training checkpoints wrap the weights; anything else nested is kept with a dotted prefix.
                    Flatten(path, nested, wrapper ? "" : prefix + key + ".", into);
                    break;
                default:
                    break; // non-tensor entries (epoch numbers, configs) are not weights
            }
        }
    }

    private static Tensor ConvertAndDispose(Tensor t)
    {
        var f = t.to(ScalarType.Float32);
        t.Dispose();
        return f;
    }
}
