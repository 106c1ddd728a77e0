using VPTSurv.Cli.Terminal;
using VPTSurv.Training;

namespace VPTSurv.Cli.Runs;

/// <summary>
/// What <c>vptsurv train --resume</c> checks before it loads anything: the checkpoint exists, is a checkpoint, and was
/// written by the same method with the same decoder. (The preset, the frozen encoder and the cohort are checked by the
/// library's <c>Resume</c>, which names the difference.)
/// </summary>
public static class ResumeCheck
{
    /// <summary>
    /// Refuses <paramref name="checkpoint"/> unless it holds a run of <paramref name="method"/> with decoder
    /// <paramref name="decoder"/>; the message names the file, its run and this one.
    /// </summary>
    public static TrainingCheckpoint.Meta Require(string checkpoint, string method, string decoder)
    {
        if (!File.Exists(checkpoint))
            throw new CliInputException($"--resume: no checkpoint at '{checkpoint}' (a run writes it after its first epoch); train without --resume to start one.");
        var meta = TrainingCheckpoint.ReadMeta(checkpoint);
        var entry = DecoderRegistry.Get(decoder);
        string expected = method == Methods.EndToEnd ? EndToEndTrainer.RunMethodOf(entry) : $"{Methods.TwoStage}/{entry.Type.Name}";
        if (meta.Method == expected) return meta;
        string theirs = Describe(meta.Method, out var flags);
        throw new CliInputException($"--resume: checkpoint '{checkpoint}' is of {theirs}, but this run is {Describe(expected, out _)}; " +
            $"resume it with {flags}, or train afresh into another --out.");
    }

    // "an end-to-end run" / "a two-stage run with decoder 'abmil'", and the options that select it.
    private static string Describe(string checkpointMethod, out string flags)
    {
        if (checkpointMethod == Methods.EndToEnd)
        {
            flags = $"--method {Methods.EndToEnd}";
            return "an end-to-end run";
        }
        foreach (var method in new[] { Methods.TwoStage, Methods.EndToEnd })
        {
            string prefix = method + "/";
            if (!checkpointMethod.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string type = checkpointMethod[prefix.Length..];
            string name = DecoderRegistry.OfTypeName(type)?.Name ?? type;
            flags = $"--method {method} --decoder {name}";
            return $"a{(method == Methods.EndToEnd ? "n" : "")} {method} run with decoder '{name}'";
        }
        flags = "the tool that wrote it";
        return $"a '{checkpointMethod}' run";
    }
}
