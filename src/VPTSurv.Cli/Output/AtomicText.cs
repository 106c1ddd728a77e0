using VPTSurv.Slides;

namespace VPTSurv.Cli.Output;

/// <summary>Atomic text writes through the library's <see cref="AtomicFile"/> (temporary name, then rename).</summary>
public static class AtomicText
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>; an existing file is kept unless <paramref name="overwrite"/>.</summary>
    public static void Write(string path, string text, bool overwrite) =>
        AtomicFile.Write(path, tmp => File.WriteAllText(tmp, text), overwrite);
}
