using System.Globalization;
using System.Text.RegularExpressions;
using NetVips;

namespace VPTSurv.Slides;

/// <summary>
/// A pyramidal TIFF read through libvips (the NetVips package; the system libvips or a NetVips.Native package). Each TIFF page whose aspect
/// ratio matches page 0 is a level (label and macro images are skipped); MPP comes from the resolution tags of page 0,
/// else from an Aperio <c>MPP =</c> field of its ImageDescription. Thread-safe.
/// </summary>
public sealed partial class TiffSlide : ISlide
{
    private readonly Image[] _levels;
    private readonly object _reopenGate = new();
    private static readonly double[] WhiteBackground = [255, 255, 255];

    /// <summary>Opens <paramref name="path"/>; <see cref="SlideFormatException"/> when missing or not a readable TIFF.</summary>
    /// <param name="path">The TIFF file.</param>
    /// <param name="id">Identifier; defaults to the file name without extension.</param>
    public TiffSlide(string path, string? id = null)
    {
        SlideSource.RequireSlideFile(path);
        VipsImaging.EnsureAvailable();
        Source = path;
        Id = id ?? Path.GetFileNameWithoutExtension(path);
        Image first;
        try
        {
            first = LoadPage(path, 0);
        }
        catch (VipsException e)
        {
            throw new SlideFormatException(path, "not a TIFF libvips can read: " + e.Message.Trim(), e);
        }
        int pages = first.Contains("n-pages") ? (int)first.Get("n-pages") : 1;
        var levels = new List<(Image Img, int Page)> { (first, 0) };
        for (int p = 1; p < pages; p++)
        {
            Image page;
            try
            {
                page = LoadPage(path, p);
            }
            catch (VipsException e)
            {
                foreach (var (img, _) in levels) img.Dispose();
                throw new SlideFormatException(path, $"TIFF page {p} is unreadable: " + e.Message.Trim(), e);
            }
            var prev = levels[^1].Img;
            // Pyramid levels keep page 0's aspect ratio up to rounding; label and macro images do not.
            double expectedHeight = (double)first.Height * page.Width / first.Width;
            bool sameAspect = Math.Abs(page.Height - expectedHeight) <= 2 + 0.01 * page.Height;
            if (sameAspect && page.Width < prev.Width && page.Height <= prev.Height)
                levels.Add((page, p));
            else
                page.Dispose();
        }
        _levels = levels.Select(l => l.Img).ToArray();
        Pages = levels.Select(l => l.Page).ToArray();
        LevelDimensions = _levels.Select(l => ((long)l.Width, (long)l.Height)).ToArray();
        LevelDownsamples = _levels.Select(l => ((double)first.Width / l.Width + (double)first.Height / l.Height) / 2).ToArray();
        MicronsPerPixel = ResolutionMpp(first) ?? DescriptionMpp(first);
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public string Source { get; }

    /// <summary>The TIFF page of each level.</summary>
    public IReadOnlyList<int> Pages { get; }

    /// <inheritdoc />
    public IReadOnlyList<(long Width, long Height)> LevelDimensions { get; }

    /// <inheritdoc />
    public IReadOnlyList<double> LevelDownsamples { get; }

    /// <inheritdoc />
    public double? MicronsPerPixel { get; }

    /// <inheritdoc />
    public RgbImage ReadRegion(long x, long y, int level, int width, int height)
    {
        this.RequireLevel(level);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"region size must be positive, got {width}x{height}");
        double ds = LevelDownsamples[level];
        long lx = (long)Math.Floor(x / ds), ly = (long)Math.Floor(y / ds);
        var (lw, lh) = LevelDimensions[level];
        long x0 = Math.Max(0, lx), y0 = Math.Max(0, ly);
        long x1 = Math.Min(lw, lx + width), y1 = Math.Min(lh, ly + height);
        if (x1 <= x0 || y1 <= y0)
            return RgbImage.White(width, height);
        var img = _levels[level];
        try
        {
            using var crop = img.Crop((int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0));
            if (x0 == lx && y0 == ly && x1 - x0 == width && y1 - y0 == height)
                return crop.ToRgbImage();
            using var flat = crop.HasAlpha() ? crop.Flatten(background: WhiteBackground) : crop.Copy();
            using var placed = flat.Embed((int)(x0 - lx), (int)(y0 - ly), width, height, extend: Enums.Extend.Background, background: WhiteBackground);
            return placed.ToRgbImage();
        }
        catch (VipsException e)
        {
            ReopenLevel(level, img);
            throw new SlideRegionException(Id, Source, x, y, level, width, height, "libvips: " + e.Message.Trim(), e);
        }
    }

    // libvips may keep a failed decode in its operation cache: load the page afresh so later regions are unaffected.
    private void ReopenLevel(int level, Image failed)
    {
        lock (_reopenGate)
        {
            if (!ReferenceEquals(_levels[level], failed)) return;
            try
            {
                _levels[level] = Image.Tiffload(Source, page: Pages[level], access: Enums.Access.Random, failOn: Enums.FailOn.Error, revalidate: true);
            }
            catch (VipsException)
            {
                return; // the page header itself is now unreadable: keep the old handle, later reads report per region
            }
            // The old image may still be in use by another thread's read: leave it to the finaliser.
        }
    }

    private static Image LoadPage(string path, int page) =>
        Image.Tiffload(path, page: page, access: Enums.Access.Random, failOn: Enums.FailOn.Error);

    // libvips reports xres in pixels per millimetre, and 1 px/mm when the file has no resolution tags.
    private static double? ResolutionMpp(Image img)
    {
        if (!img.Contains("resolution-unit")) return null;
        double mpp = 1000.0 / img.Xres;
        return SlideRegions.IsPlausibleMpp(mpp) ? mpp : null;
    }

    private static double? DescriptionMpp(Image img)
    {
        if (!img.Contains("image-description")) return null;
        var m = AperioMpp().Match((string)img.Get("image-description"));
        return m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
    }

    [GeneratedRegex(@"\|\s*MPP\s*=\s*([0-9.eE+-]+)")]
    private static partial Regex AperioMpp();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var l in _levels) l.Dispose();
    }
}
