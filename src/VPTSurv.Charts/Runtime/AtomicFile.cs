namespace VPTSurv.Charts.Runtime;

/// <summary>Writes files under a temporary name and renames them, so a crash never leaves a half file.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text, bool overwrite) =>
        Write(path, tmp => File.WriteAllText(tmp, text), overwrite);

    public static void WriteAllBytes(string path, byte[] bytes, bool overwrite) =>
        Write(path, tmp => File.WriteAllBytes(tmp, bytes), overwrite);

    private static void Write(string path, Action<string> write, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
            throw new IOException($"{full} already exists; pass overwrite: true to replace it.");
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
