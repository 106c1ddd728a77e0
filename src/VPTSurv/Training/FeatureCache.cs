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
/// Each file holds <c>features</c> (N, d) and, when the tile source gives them, <c>positions</c> (N, 2) float32
/// (<see cref="TilePositions"/>: pixels at the target MPP). The format's version is part of the key, so files of an
/// older format (version 1 had no positions) are never read: their slides are extracted again.
/// </summary>
public sealed class FeatureCache : IDisposable
{
    private const string Format = "vptsurv-features/2";

    /// <summary>A cache in <paramref name="directory"/> (created when missing).</summary>
    public FeatureCache(string directory)
    {
        Directory.CreateDirectory(directory);
        DirectoryPath = directory;
    }

    /// <summary>
    /// The cache of a run: <c>workDirectory/features</c>, or without a work directory a temporary folder that holds the
    /// features only while they are extracted (they are in memory afterwards) and is deleted when this is disposed.
    /// </summary>
    public static FeatureCache ForRun(string? workDirectory) => workDirectory is { } w
        ? new FeatureCache(Path.Combine(w, "features"))
        : new FeatureCache(Directory.CreateTempSubdirectory("vptsurv-features-").FullName) { IsTemporary = true };

    /// <summary>The folder.</summary>
    public string DirectoryPath { get; }

    /// <summary>Whether the folder is temporary (<see cref="ForRun"/> without a work directory): deleted on dispose.</summary>
    public bool IsTemporary { get; private init; }

    /// <summary>Where a user reads what failed, for messages: " (see …/failures.log)", or nothing for a temporary cache.</summary>
    public string FailureHint => IsTemporary ? "" : $" (see {FailureLog})";

    /// <summary>Deletes the folder of a temporary cache; a cache in a work directory is kept.</summary>
    public void Dispose()
    {
        if (IsTemporary && Directory.Exists(DirectoryPath)) Directory.Delete(DirectoryPath, recursive: true);
    }

    /// <summary>The per-slide failure log (tab-separated: UTC time, slide id, message).</summary>
    public string FailureLog => Path.Combine(DirectoryPath, "failures.log");

    /// <summary>The content key (hex SHA-256) of a slide's features.</summary>
    public static string Key(string tileIdentity, string encoderHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Format}|{tileIdentity}|{encoderHash}")));

    /// <summary>The file of a slide's features under <paramref name="key"/>.</summary>
    public string PathFor(string slideId, string key) => Path.Combine(DirectoryPath, $"{TilePoolSource.Sanitize(slideId)}-{key[..16]}.safetensors");

    /// <summary>Whether the features are cached.</summary>
    public bool Contains(string slideId, string key) => File.Exists(PathFor(slideId, key));

    /// <summary>Stores (N, d) features and their (N, 2) positions when known (atomic; replaces a file of the same key).</summary>
    public void Write(string slideId, string key, Tensor features, Tensor? positions = null)
    {
        if (positions is not null && (positions.dim() != 2 || positions.shape[0] != features.shape[0] || positions.shape[1] != 2 || positions.dtype != ScalarType.Float32))
            throw new ArgumentException($"slide '{slideId}': positions must be float32 (N, 2) = ({features.shape[0]}, 2); got {positions.dtype} ({string.Join(", ", positions.shape)}).", nameof(positions));
        Finite.Require(features, $"features of slide '{slideId}'; not cached"); // a poisoned file would pass every later read
        var tensors = new Dictionary<string, Tensor> { ["features"] = features };
        if (positions is not null) tensors["positions"] = positions;
        SafeTensors.Write(PathFor(slideId, key), tensors, overwrite: true,
            metadata: new Dictionary<string, string> { ["format"] = Format, ["slide_id"] = slideId, ["key"] = key });
    }

    /// <summary>Reads a slide's features (N, d) and positions (N, 2) or null; the message names the file when it is not a feature file.</summary>
    public SlideFeatures Read(string slideId, string key)
    {
        var path = PathFor(slideId, key);
        var tensors = SafeTensors.Read(path);
        tensors.TryGetValue("features", out var f);
        tensors.TryGetValue("positions", out var p);
        string? problem = f is null || f.dim() != 2 ? "expected a tensor 'features' of shape (N, d)"
            : p is not null && (p.dim() != 2 || p.shape[0] != f.shape[0] || p.shape[1] != 2 || p.dtype != ScalarType.Float32)
                ? $"'positions' must be float32 (N, 2) = ({f.shape[0]}, 2); got {p.dtype} ({string.Join(", ", p.shape)})"
            : tensors.Keys.FirstOrDefault(k => k is not ("features" or "positions")) is { } extra ? $"unexpected tensor '{extra}'"
            : !f.isfinite().all().item<bool>() ? "the features hold NaN or infinite values"
            : null;
        if (problem is not null)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new InvalidDataException($"feature file '{path}': {problem}.");
        }
        return new SlideFeatures(f!, p);
    }

    /// <summary>Appends a failure line for <paramref name="slideId"/>.</summary>
    public void LogFailure(string slideId, Exception error)
    {
        lock (this)
            File.AppendAllText(FailureLog, $"{DateTime.UtcNow:O}\t{slideId}\t{error.Message.ReplaceLineEndings(" ")}\n");
    }
}

/// <summary>One slide's cached features and tile positions.</summary>
/// <param name="Features">(N, d) pooled frozen-encoder features.</param>
/// <param name="Positions">(N, 2) float32 (x, y) in pixels at the target MPP (<see cref="TilePositions"/>), or null when the tile source gave none.</param>
public sealed record SlideFeatures(Tensor Features, Tensor? Positions) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Features.Dispose();
        Positions?.Dispose();
    }
}
