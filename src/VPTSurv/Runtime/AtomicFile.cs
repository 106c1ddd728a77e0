namespace VPTSurv.Runtime;

/// <summary>Writes files under a temporary name in the same folder and renames them, so a crash never leaves a
/// half-written file under the real name.</summary>
public static class AtomicFile
{
    /// <summary>A temporary path beside <paramref name="path"/>, keeping its extension (some writers choose the format by it).</summary>
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
    }

    /// <summary>Runs <paramref name="write"/> on a temporary path, then renames it to <paramref name="path"/>.</summary>
    /// <param name="path">Destination.</param>
    /// <param name="write">Writes the whole file to the path it is given.</param>
    /// <param name="overwrite">When false (default) an existing file is never replaced: the call fails instead.</param>
    public static void Write(string path, Action<string> write, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        if (!overwrite && File.Exists(path))
            throw new IOException($"'{path}' already exists; not overwriting it (pass overwrite: true to replace it)");
        var tmp = TempPathFor(path);
        try
        {
            write(tmp);
            File.Move(tmp, path, overwrite);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes bytes atomically; an existing file is replaced unless <paramref name="overwrite"/> is false.</summary>
    public static void WriteAllBytes(string path, byte[] bytes, bool overwrite = true) => Write(path, t => File.WriteAllBytes(t, bytes), overwrite);

    /// <summary>Writes text (UTF-8, no byte-order mark) atomically; an existing file is replaced unless <paramref name="overwrite"/> is false.</summary>
    public static void WriteAllText(string path, string text, bool overwrite = true) => Write(path, t => File.WriteAllText(t, text), overwrite);
}
