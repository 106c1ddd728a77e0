using System.Security.Cryptography;
using System.Text;
using VPTSurv.Encoders.Checkpoints;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// Two-stage features on disk: one safetensors file per slide, named by the slide and a content key made of what
/// determines the features — the tiles' identity (slide source, reader, slide MPP, target MPP, tile size, which tiles)
/// and the SHA-256 of the frozen encoder's weights. Files are written under a temporary name and renamed, so an
/// interrupted extraction leaves only whole files and resumes where it stopped; failures go to <c>failures.log</c>.
/// </summary>
public sealed class FeatureCache
{
    private const string Format = "vptsurv-features/1";

    /// <summary>A cache in <paramref name="directory"/> (created when missing).</summary>
    public FeatureCache(string directory)
    {
        Directory.CreateDirectory(directory);
        DirectoryPath = directory;
    }

    /// <summary>The folder.</summary>
    public string DirectoryPath { get; }

    /// <summary>The per-slide failure log (tab-separated: UTC time, slide id, message).</summary>
    public string FailureLog => Path.Combine(DirectoryPath, "failures.log");

    /// <summary>The content key (hex SHA-256) of a slide's features.</summary>
    public static string Key(string tileIdentity, string encoderHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Format}|{tileIdentity}|{encoderHash}")));

    /// <summary>The file of a slide's features under <paramref name="key"/>.</summary>
    public string PathFor(string slideId, string key) => Path.Combine(DirectoryPath, $"{TilePoolSource.Sanitize(slideId)}-{key[..16]}.safetensors");

    /// <summary>Whether the features are cached.</summary>
    public bool Contains(string slideId, string key) => File.Exists(PathFor(slideId, key));

    /// <summary>Stores (N, d) features (atomic; replaces a file of the same key).</summary>
    public void Write(string slideId, string key, Tensor features) =>
        SafeTensors.Write(PathFor(slideId, key), new Dictionary<string, Tensor> { ["features"] = features }, overwrite: true,
            metadata: new Dictionary<string, string> { ["format"] = Format, ["slide_id"] = slideId, ["key"] = key });

    /// <summary>Reads (N, d) features; the message names the file when it is not a feature file.</summary>
    public Tensor Read(string slideId, string key)
    {
        var path = PathFor(slideId, key);
        var tensors = SafeTensors.Read(path);
        if (!tensors.TryGetValue("features", out var f) || f.dim() != 2)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new InvalidDataException($"feature file '{path}': expected one tensor 'features' of shape (N, d).");
        }
        foreach (var (k, t) in tensors) if (k != "features") t.Dispose();
        return f;
    }

    /// <summary>Appends a failure line for <paramref name="slideId"/>.</summary>
    public void LogFailure(string slideId, Exception error)
    {
        lock (this)
            File.AppendAllText(FailureLog, $"{DateTime.UtcNow:O}\t{slideId}\t{error.Message.ReplaceLineEndings(" ")}\n");
    }
}
