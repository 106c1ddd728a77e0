namespace VPTSurv.Slides;

/// <summary>A slide file that is missing, unreadable or of an unsupported format. The message names the source.</summary>
public class SlideFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="source"/>.</summary>
    public SlideFormatException(string source, string message, Exception? inner = null)
        : base($"slide '{source}': {message}", inner) => SlideSource = source;

    /// <summary>The path or spec of the slide.</summary>
    public string SlideSource { get; }
}

/// <summary>OpenSlide's native library is not installed.</summary>
public sealed class OpenSlideUnavailableException(string source, string reason)
    : SlideFormatException(source, reason);

/// <summary>
/// One region of a slide could not be decoded (a corrupt or truncated tile). The slide stays usable: other regions can
/// still be read, and bag loading skips and logs such regions.
/// </summary>
public sealed class SlideRegionException(string slideId, string source, long x, long y, int level, int width, int height, string reason, Exception? inner = null)
    : IOException($"slide '{slideId}' ({source}): region x={x} y={y} level={level} size={width}x{height} could not be read: {reason}", inner)
{
    /// <summary>The slide's identifier.</summary>
    public string SlideId { get; } = slideId;
    /// <summary>The slide's path or spec.</summary>
    public string SlideSource { get; } = source;
    /// <summary>Level-0 x of the region's top-left corner.</summary>
    public long X { get; } = x;
    /// <summary>Level-0 y of the region's top-left corner.</summary>
    public long Y { get; } = y;
    /// <summary>The pyramid level read.</summary>
    public int Level { get; } = level;
    /// <summary>Region width at that level.</summary>
    public int Width { get; } = width;
    /// <summary>Region height at that level.</summary>
    public int Height { get; } = height;
    /// <summary>What the reader reported.</summary>
    public string Reason { get; } = reason;
}

/// <summary>A slide's file gives no microns per pixel and no override was given.</summary>
public sealed class MissingMppException(string slideId, string source)
    : InvalidOperationException($"slide '{slideId}' ({source}) has no microns-per-pixel in its file; give an MPP override: " +
        "`vptsurv tile --mpp <microns>` on the command line, slide.WithMpp(<microns>) in code, or re-save the slide with its resolution recorded " +
        "(cohort manifests have no MPP column; see data-manifests/SCHEMA.md)")
{
    /// <summary>The slide's identifier.</summary>
    public string SlideId { get; } = slideId;
}
