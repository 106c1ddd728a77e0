using System.Security.Cryptography;
using System.Text;
using TorchSharp;

namespace VPTSurv.Runtime;

/// <summary>
/// One random stream per model component, derived from (seed, component name), so that a component's initial weights
/// depend on the seed and its own name only: adding a prompt source (an ablation row) leaves the decoder's and the
/// adaptors' initial weights unchanged. The name is hashed with SHA-256 (stable across processes and .NET versions,
/// unlike <see cref="string.GetHashCode()"/>) and mixed with the seed by SplitMix64's finaliser.
/// </summary>
public static class RandomStreams
{
    /// <summary>Component names used by the built-in models.</summary>
    public static class Names
    {
        /// <summary>The ViT's random initialisation (overwritten when weights are loaded).</summary>
        public const string Encoder = "encoder";

        /// <summary>The tile prompt source (Down).</summary>
        public const string TileSource = "prompts.tile";

        /// <summary>The structure prompt source.</summary>
        public const string StructureSource = "prompts.structure";

        /// <summary>The scale prompt source.</summary>
        public const string ScaleSource = "prompts.scale";

        /// <summary>The tabular prompt source.</summary>
        public const string TabularSource = "prompts.tabular";

        /// <summary>The stream of the prompt source registered as <paramref name="name"/> ("prompts." + name; the constants above for the paper's).</summary>
        public static string PromptSource(string name) => "prompts." + name;

        /// <summary>The per-block adaptors (and Up, zero anyway).</summary>
        public const string Adaptors = "prompts.adaptors";

        /// <summary>The survival decoder (end to end) or the two-stage bag decoder: same seed, same initial decoder.</summary>
        public const string Decoder = "decoder";

        /// <summary>What training itself draws from torch's generator after the model is built (dropout).</summary>
        public const string Training = "training";
    }

    /// <summary>The seed of <paramref name="component"/>'s stream under run seed <paramref name="seed"/>.</summary>
    public static long SeedFor(long seed, string component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(component));
        ulong z = BitConverter.ToUInt64(h, 0) ^ unchecked((ulong)seed * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (long)(z & 0x7FFF_FFFF_FFFF_FFFFUL); // torch seeds are taken as non-negative here
    }

    private static readonly object Gate = new();

    /// <summary>
    /// Seeds torch's global generator with <paramref name="component"/>'s stream and builds it: every random draw of
    /// <paramref name="build"/> comes from that stream only. Builds on several threads take turns (so two models built
    /// at once stay reproducible), but the generator is process-wide: a draw on another thread that does not go
    /// through here (a training step's dropout, a test's torch.randn) can still interleave with a build.
    /// </summary>
    public static T Build<T>(long? seed, string component, Func<T> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        lock (Gate)
        {
            if (seed is { } s) torch.random.manual_seed(SeedFor(s, component));
            return build();
        }
    }
}
