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
    /// Builds <paramref name="component"/> with every random draw of <paramref name="build"/> taken from that
    /// component's stream. TorchSharp's module constructors (Linear, Conv2d, …) can only draw from torch's process-wide
    /// generator, so this is the one place the library touches it, the way <c>torch.random.fork_rng</c> does: under a
    /// lock, the generator is seeded with the stream and put back in the state it had before, so a build leaves no trace
    /// on anyone else's draws. Everything the library draws after a model is built (dropout masks) comes from an
    /// explicit generator (<see cref="Generator"/>, <see cref="Attach"/>). Without <paramref name="seed"/> the parts
    /// draw from torch's generator as they are (unseeded, as PyTorch modules do).
    /// </summary>
    public static T Build<T>(long? seed, string component, Func<T> build)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentNullException.ThrowIfNull(build);
        return seed is { } s ? WithSeed(SeedFor(s, component), build) : build();
    }

    /// <summary>
    /// Runs <paramref name="build"/> with torch's global generator seeded by <paramref name="rawSeed"/> and restores the
    /// generator's state afterwards (see <see cref="Build"/>); for MAE pretraining, whose shipped weights were drawn
    /// from the run seed itself.
    /// </summary>
    internal static T WithSeed<T>(long rawSeed, Func<T> build)
    {
        lock (Gate)
        {
            using var saved = torch.random.get_rng_state();
            try
            {
                torch.random.manual_seed(rawSeed);
                return build();
            }
            finally
            {
                torch.random.set_rng_state(saved);
            }
        }
    }

    /// <summary>
    /// A generator on <paramref name="device"/> (null = CPU) seeded with <paramref name="component"/>'s stream of
    /// <paramref name="seed"/>; the trainers make one per run from <see cref="Names.Training"/> for the dropout masks.
    /// </summary>
    public static torch.Generator Generator(long seed, string component, torch.Device? device = null) =>
        new(unchecked((ulong)SeedFor(seed, component)), device ?? torch.CPU);

    /// <summary>
    /// Makes every <see cref="StreamDropout"/> in <paramref name="module"/> draw from <paramref name="generator"/> (null:
    /// back to torch's global generator). Returns how many were attached.
    /// </summary>
    public static int Attach(torch.nn.Module module, torch.Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(module);
        int n = 0;
        foreach (var (_, m) in module.named_modules())
            if (m is StreamDropout d)
            {
                d.Generator = generator;
                n++;
            }
        if (module is StreamDropout self && self.Generator != generator)
        {
            self.Generator = generator;
            n++;
        }
        return n;
    }
}
