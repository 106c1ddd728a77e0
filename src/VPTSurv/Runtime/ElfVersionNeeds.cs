using System.Buffers.Binary;
using System.Text;

namespace VPTSurv.Runtime;

/// <summary>One symbol-version requirement (<c>Elf64_Vernaux</c>) of a shared library.</summary>
/// <param name="File">The library the version is required from, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Weak">Whether the requirement is marked weak (a missing version is then not fatal at load).</param>
/// <param name="FlagsOffset">File offset of the entry's <c>vna_flags</c> field.</param>
public sealed record ElfVersionNeed(string File, string Version, bool Weak, long FlagsOffset);

/// <summary>
/// Reads and edits the <c>.gnu.version_r</c> (version needs) section of a 64-bit little-endian ELF shared library.
/// Used to mark a version requirement weak in the project's own copy of a native library.
/// </summary>
public static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>Lists every version requirement of the ELF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF or its tables are out of bounds.</exception>
    public static IReadOnlyList<ElfVersionNeed> Read(string path) => Read(File.ReadAllBytes(path), path);

    internal static IReadOnlyList<ElfVersionNeed> Read(byte[] elf, string name)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{name}: not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{name}: only 64-bit little-endian ELF is supported.");
        var span = elf.AsSpan();
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        if (shentsize < 64 || shoff < 0 || shoff + (long)shentsize * shnum > elf.Length)
            throw new InvalidDataException($"{name}: section header table out of bounds.");

        (long Off, long Size, uint Link, uint Info) Section(int i)
        {
            var s = elf.AsSpan((int)(shoff + (long)i * shentsize), 64);
            return ((long)BinaryPrimitives.ReadUInt64LittleEndian(s[0x18..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(s[0x20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(s[0x28..]), BinaryPrimitives.ReadUInt32LittleEndian(s[0x2C..]));
        }

        var result = new List<ElfVersionNeed>();
        for (int i = 0; i < shnum; i++)
        {
            var type = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan((int)(shoff + (long)i * shentsize + 4)));
            if (type != ShtGnuVerneed) continue;
            var (off, size, link, count) = Section(i);
            if (link >= shnum) throw new InvalidDataException($"{name}: version-needs string table index out of range.");
            var (strOff, strSize, _, _) = Section((int)link);
            if (off < 0 || off + size > elf.Length || strOff < 0 || strOff + strSize > elf.Length)
                throw new InvalidDataException($"{name}: version-needs section out of bounds.");

            string Str(uint at)
            {
                if (at >= strSize) throw new InvalidDataException($"{name}: string offset {at} outside the string table.");
                int start = (int)(strOff + at), end = start;
                while (end < strOff + strSize && elf[end] != 0) end++;
                return Encoding.ASCII.GetString(elf, start, end - start);
            }

            long entry = off;
            for (uint n = 0; n < count; n++)
            {
                if (entry + 16 > off + size) throw new InvalidDataException($"{name}: version-needs entry out of bounds.");
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(entry + 2)..]);
                var file = Str(BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 4)..]));
                long aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 8)..]);
                for (int a = 0; a < cnt; a++)
                {
                    if (aux + 16 > off + size) throw new InvalidDataException($"{name}: version-needs aux entry out of bounds.");
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(aux + 4)..]);
                    var version = Str(BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]));
                    result.Add(new ElfVersionNeed(file, version, (flags & VerFlgWeak) != 0, aux + 4));
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                }
                entry += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 12)..]);
            }
        }
        return result;
    }

    /// <summary>
    /// Writes a copy of <paramref name="source"/> to <paramref name="destination"/> with the named version requirements
    /// marked weak. The destination is written under a temporary name and renamed; the source is never modified.
    /// </summary>
    /// <returns>The requirements that were changed.</returns>
    public static IReadOnlyList<ElfVersionNeed> WriteWeakenedCopy(string source, string destination, IReadOnlySet<string> versions)
    {
        if (Path.GetFullPath(source) == Path.GetFullPath(destination))
            throw new ArgumentException("The weakened copy must not overwrite its source.", nameof(destination));
        var elf = File.ReadAllBytes(source);
        var changed = new List<ElfVersionNeed>();
        foreach (var need in Read(elf, source))
        {
            if (!versions.Contains(need.Version) || need.Weak) continue;
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan((int)need.FlagsOffset));
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)need.FlagsOffset), (ushort)(flags | VerFlgWeak));
            changed.Add(need with { Weak = true });
        }
        AtomicFile.WriteAllBytes(destination, elf);
        return changed;
    }
}
