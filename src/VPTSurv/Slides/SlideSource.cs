using System.Collections.Concurrent;

namespace VPTSurv.Slides;

/// <summary>
/// Opens a slide from a source string: a file path (OpenSlide when its library is installed and recognises the file,
/// else libvips for .tif/.tiff), or <c>scheme:rest</c> for a registered scheme (e.g. <c>synthetic:...</c>).
/// </summary>
public static class SlideSource
{
    // Openers by scheme: (source, id or null) -> slide. The built-in "synthetic:" scheme registers itself from its own
    // namespace (Synthetic.SyntheticScheme), so that this reader layer does not depend on the renderer.
    private static readonly ConcurrentDictionary<string, Func<string, string?, ISlide>> Schemes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>File extensions OpenSlide reads.</summary>
    public static readonly IReadOnlySet<string> OpenSlideExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { ".svs", ".tif", ".tiff", ".ndpi", ".vms", ".vmu", ".scn", ".mrxs", ".svslide", ".bif" };

    /// <summary>Which file reader <see cref="Open"/> uses.</summary>
    public enum Reader
    {
        /// <summary>OpenSlide when available and it recognises the file, else libvips for TIFF.</summary>
        Auto,
        /// <summary>Always OpenSlide.</summary>
        OpenSlide,
        /// <summary>Always libvips (<see cref="TiffSlide"/>).</summary>
        Vips,
    }

    /// <summary>Registers an opener for sources <c>scheme:rest</c>; <paramref name="open"/> receives the whole source.</summary>
    /// <param name="scheme">Letters, digits, '+', '-', '.'; at least two characters (one letter would clash with drive letters).</param>
    /// <param name="open">Opens the slide.</param>
    public static void RegisterScheme(string scheme, Func<string, ISlide> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        RegisterScheme(scheme, (source, _) => open(source));
    }

    /// <summary>
    /// Registers an opener for sources <c>scheme:rest</c> that also takes the slide's id (the manifest's slide id when
    /// <see cref="Open"/> is given one, else null).
    /// </summary>
    /// <param name="scheme">As <see cref="RegisterScheme(string, Func{string, ISlide})"/>.</param>
    /// <param name="open">Opens the slide from (source, id).</param>
    public static void RegisterScheme(string scheme, Func<string, string?, ISlide> open)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(open);
        if (scheme.Length < 2 || !char.IsLetter(scheme[0]) || !scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            throw new ArgumentException($"scheme '{scheme}' must be at least two characters of letters, digits, '+', '-', '.', starting with a letter", nameof(scheme));
        Schemes[scheme] = open;
    }

    /// <summary>Whether a scheme is registered.</summary>
    public static bool IsRegistered(string scheme) => Schemes.ContainsKey(scheme);

    /// <summary>Whether <paramref name="source"/> names a registered scheme (<c>scheme:rest</c>) rather than a file path.</summary>
    public static bool HasScheme(string? source) => SchemeOf(source) is not null;

    private static string? SchemeOf(string? source)
    {
        int colon = source?.IndexOf(':') ?? -1;
        return colon >= 2 && Schemes.ContainsKey(source![..colon]) ? source[..colon] : null;
    }

    /// <summary>
    /// Fails unless <paramref name="path"/> is an existing, non-empty regular file. FIFOs, sockets and devices report
    /// a size of 0, so they are refused here, before a reader opens them and blocks forever waiting for a writer.
    /// </summary>
    /// <exception cref="SlideFormatException">Missing, a directory, empty, or not a regular file.</exception>
    public static void RequireSlideFile(string path)
    {
        if (Directory.Exists(path)) throw new SlideFormatException(path, "is a directory, not a slide file");
        var info = new FileInfo(path);
        if (!info.Exists) throw new SlideFormatException(path, "file not found");
        if (info.Length == 0)
            throw new SlideFormatException(path, "is empty or not a regular file (a FIFO, socket or device); a slide must be a regular file");
    }

    /// <summary>Opens <paramref name="source"/>.</summary>
    /// <param name="source">A file path or <c>scheme:rest</c>.</param>
    /// <param name="reader">Forces a file reader.</param>
    /// <param name="id">The slide's id for a scheme's opener (a file keeps its reader's id, the file name).</param>
    /// <exception cref="SlideFormatException">Missing, unreadable or unsupported file, or unknown scheme; names the source.</exception>
    public static ISlide Open(string source, Reader reader = Reader.Auto, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        int colon = source.IndexOf(':');
        if (colon >= 2 && !File.Exists(source))
        {
            var scheme = source[..colon];
            if (Schemes.TryGetValue(scheme, out var open))
                return open(source, id);
            if (scheme.All(char.IsAsciiLetterOrDigit))
                throw new SlideFormatException(source, $"no reader is registered for the scheme '{scheme}:' (registered: {string.Join(", ", Schemes.Keys.Order())}; use SlideSource.RegisterScheme)");
        }
        RequireSlideFile(source);
        var ext = Path.GetExtension(source);
        bool isTiff = ext.Equals(".tif", StringComparison.OrdinalIgnoreCase) || ext.Equals(".tiff", StringComparison.OrdinalIgnoreCase);
        switch (reader)
        {
            case Reader.OpenSlide:
                return new OpenSlideFile(source);
            case Reader.Vips:
                return new TiffSlide(source);
        }
        if (OpenSlideFile.IsAvailable && OpenSlideFile.DetectVendor(source) is not null)
            return new OpenSlideFile(source);
        if (isTiff)
            return new TiffSlide(source);
        if (!OpenSlideFile.IsAvailable && OpenSlideExtensions.Contains(ext))
            throw new OpenSlideUnavailableException(source, $"reading {ext} files needs OpenSlide: {OpenSlideNative.UnavailableReason}");
        throw new SlideFormatException(source, $"not a slide format this library reads (OpenSlide does not recognise it; the libvips reader takes .tif/.tiff)");
    }
}
