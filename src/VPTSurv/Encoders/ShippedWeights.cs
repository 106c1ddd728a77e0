using System.Reflection;
using System.Security.Cryptography;
using VPTSurv.Runtime;

namespace VPTSurv.Encoders;

/// <summary>
/// The encoder weights shipped inside the library (embedded resources from <c>src/VPTSurv/Weights</c>, MAE-pretrained
/// on synthetic tiles outside every cohort; see the model card there). Each is unpacked once to a content-addressed
/// file in the user's cache (<c>$XDG_CACHE_HOME/vptsurv/weights</c>, else <c>~/.cache/vptsurv/weights</c>, else the
/// temporary folder). Presets and configs name them symbolically (<see cref="Cpu"/> is <c>shipped:cpu-encoder</c>), never
/// by the path on the machine that wrote them, so a preset's JSON means the same weights everywhere; every API that
/// takes a checkpoint path (<see cref="Checkpoints.CheckpointLoader"/>, <c>ModelBuilder.WithEncoder</c>) resolves the
/// symbol with <see cref="Resolve"/>. Set <c>EncoderWeights</c> to a file path to use other weights.
/// </summary>
public static class ShippedWeights
{
    /// <summary>Resource name of the Cpu preset's encoder.</summary>
    public const string CpuName = "cpu-encoder.safetensors";

    /// <summary>Resource name of the Smoke preset's encoder.</summary>
    public const string SmokeName = "smoke-encoder.safetensors";

    /// <summary>What a symbolic name of shipped weights starts with.</summary>
    public const string Scheme = "shipped:";

    /// <summary>The Cpu preset's encoder: <c>shipped:cpu-encoder</c>.</summary>
    public const string Cpu = Scheme + "cpu-encoder";

    /// <summary>The Smoke preset's encoder: <c>shipped:smoke-encoder</c>.</summary>
    public const string Smoke = Scheme + "smoke-encoder";

    private const string ResourcePrefix = "VPTSurv.Weights.";
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> Unpacked = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="weights"/> names shipped weights (<c>shipped:name</c>) rather than a file.</summary>
    public static bool IsSymbol(string? weights) => weights is not null && weights.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>
    /// The file to read for <paramref name="weights"/>: shipped weights <c>shipped:name</c> unpacked to the cache
    /// (<see cref="PathOf"/>), anything else returned as it is (a file path).
    /// </summary>
    /// <exception cref="FileNotFoundException">A symbol that names no shipped weights; the message lists those shipped.</exception>
    public static string Resolve(string weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return IsSymbol(weights) ? PathOf(weights[Scheme.Length..] + ".safetensors") : weights;
    }

    /// <summary>Names of the shipped weight files.</summary>
    public static IReadOnlyList<string> Names =>
        [.. typeof(ShippedWeights).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".safetensors", StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..]).Order(StringComparer.Ordinal)];

    /// <summary>The bytes of shipped weights <paramref name="name"/> (e.g. <see cref="CpuName"/>).</summary>
    public static byte[] Read(string name)
    {
        using var stream = typeof(ShippedWeights).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new FileNotFoundException($"No shipped weights called '{name}'; the library ships: {string.Join(", ", Names)} " +
                $"({string.Join(", ", Names.Select(n => Scheme + Path.GetFileNameWithoutExtension(n)))}).", name);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// A file holding shipped weights <paramref name="name"/>: <c>{stem}-{sha256 prefix}.safetensors</c> in the cache,
    /// written atomically and reused only when its content hash matches.
    /// </summary>
    public static string PathOf(string name)
    {
        lock (Gate)
        {
            if (Unpacked.TryGetValue(name, out var known) && File.Exists(known))
                return known;
            var bytes = Read(name);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var file = $"{Path.GetFileNameWithoutExtension(name)}-{hash[..16]}.safetensors";
            Exception? last = null;
            foreach (var dir in CacheFolders())
            {
                try
                {
                    var path = Path.Combine(dir, file);
                    if (!(File.Exists(path) && Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) == hash))
                        AtomicFile.WriteAllBytes(path, bytes);
                    Unpacked[name] = path;
                    return path;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    last = e;
                }
            }
            throw new IOException($"Could not unpack the shipped weights '{name}' into any of: {string.Join(", ", CacheFolders())}.", last);
        }
    }

    private static IEnumerable<string> CacheFolders()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
            yield return Path.Combine(xdg, "vptsurv", "weights");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
            yield return Path.Combine(home, ".cache", "vptsurv", "weights");
        yield return Path.Combine(Path.GetTempPath(), "vptsurv", "weights");
    }
}
