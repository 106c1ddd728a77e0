using System.IO.Compression;

namespace VPTSurv.Encoders.Checkpoints;

/// <summary>
/// Bounded reads of zip entries from files users give us (PyTorch checkpoints, training checkpoints): an entry's
/// declared sizes are checked against the archive and a cap before a byte is allocated, and the bytes that come out
/// must be exactly the declared size, so a lying header or a decompression bomb fails with the entry named.
/// </summary>
public static class ZipEntries
{
    /// <summary>DEFLATE cannot expand data by more than about 1032:1; a larger declared ratio is a lie.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>
    /// Checks <paramref name="entry"/>'s declared sizes: at most <paramref name="maxBytes"/> uncompressed, its stored
    /// bytes inside the archive (<paramref name="archiveLength"/>), and a possible compression ratio.
    /// </summary>
    public static void CheckDeclaredSize(string path, ZipArchiveEntry entry, long maxBytes, long archiveLength)
    {
        long length = entry.Length, compressed = entry.CompressedLength;
        if (length < 0 || compressed < 0 || compressed > archiveLength)
            throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' declares {compressed} compressed bytes, but the file has {archiveLength}.");
        if (length > maxBytes)
            throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' declares {length} bytes, more than the {maxBytes} accepted for it.");
        if (length > 0 && (compressed == 0 || length / Math.Max(compressed, 1) > MaxDeflateRatio))
            throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' declares {length} bytes from {compressed} compressed bytes, more than any compression can expand.");
    }

    /// <summary>Reads the whole entry (declared size checked first, then the bytes delivered must match it exactly).</summary>
    public static byte[] ReadAll(string path, ZipArchiveEntry entry, long maxBytes, long archiveLength)
    {
        CheckDeclaredSize(path, entry, Math.Min(maxBytes, Array.MaxLength), archiveLength);
        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        int total = 0;
        try
        {
            while (total < bytes.Length)
            {
                int n = stream.Read(bytes, total, bytes.Length - total);
                if (n == 0) break;
                total += n;
            }
            if (total != bytes.Length || stream.ReadByte() != -1)
                throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' declares {entry.Length} bytes but holds {(total != bytes.Length ? total.ToString() : "more")}.");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' is damaged ({e.Message}).", e);
        }
        return bytes;
    }

    /// <summary>Copies the entry to <paramref name="target"/> with the same checks as <see cref="ReadAll"/>, streaming.</summary>
    public static void ExtractTo(string path, ZipArchiveEntry entry, string target, long maxBytes, long archiveLength)
    {
        CheckDeclaredSize(path, entry, maxBytes, archiveLength);
        using var input = entry.Open();
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        var buffer = new byte[1 << 16];
        long total = 0;
        try
        {
            int n;
            while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += n;
                if (total > entry.Length)
                    throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' declares {entry.Length} bytes but holds more.");
                output.Write(buffer, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' is damaged ({e.Message}).", e);
        }
        if (total != entry.Length)
            throw new CheckpointFormatException(path, $"zip entry '{entry.FullName}' declares {entry.Length} bytes but holds {total}.");
    }
}
