namespace VPTSurv.Slides;

/// <summary>Settings of <see cref="TissueDetector"/>. Areas are physical so one setting fits every scanner.</summary>
/// <param name="ThumbnailMpp">Resolution of the thumbnail the mask is computed on (µm/px).</param>
/// <param name="MaxThumbnailSide">Upper bound on the thumbnail's longer side (the MPP is coarsened to respect it).</param>
/// <param name="MedianRadius">Radius of the median filter on the optical-density map (removes dust and pepper noise).</param>
/// <param name="MinOdThreshold">Floor of the Otsu threshold on mean optical density (log10, relative to the glass): glass
/// and its noise are never tissue.</param>
/// <param name="MaxOdThreshold">Cap of the Otsu threshold: on a field that is nearly all tissue, Otsu splits stained
/// from pale tissue; the cap keeps pale stroma as tissue.</param>
/// <param name="MinTissueAreaUm2">Tissue components smaller than this are dropped (debris, dust).</param>
/// <param name="MaxHoleAreaUm2">Background holes enclosed by tissue and smaller than this are filled (lumens, tears).</param>
public sealed record TissueDetectionConfig(
    double ThumbnailMpp = 8.0,
    int MaxThumbnailSide = 4096,
    int MedianRadius = 1,
    double MinOdThreshold = 0.015,
    double MaxOdThreshold = 0.03,
    double MinTissueAreaUm2 = 20_000,
    double MaxHoleAreaUm2 = 250_000)
{
    /// <summary>Defaults for whole slides (8 µm/px thumbnail).</summary>
    public static TissueDetectionConfig Default { get; } = new();

    /// <summary>For small fields and tests: 2 µm/px thumbnail, smaller minimum area.</summary>
    public static TissueDetectionConfig Fine { get; } = new(ThumbnailMpp: 2.0, MinTissueAreaUm2: 2_000, MaxHoleAreaUm2: 20_000);
}

/// <summary>A binary tissue mask on a thumbnail of a slide.</summary>
/// <param name="SlideId">The slide.</param>
/// <param name="Thumbnail">The RGB thumbnail the mask was computed on.</param>
/// <param name="Mask">Width*Height flags, row-major: true = tissue.</param>
/// <param name="Downsample">Level-0 pixels per thumbnail pixel (x, y).</param>
/// <param name="Background">The glass colour the optical density is relative to.</param>
/// <param name="OdThreshold">The optical-density threshold used (Otsu, clamped).</param>
/// <param name="OtsuThreshold">Otsu's threshold before clamping.</param>
/// <param name="Warning">Set when no tissue was found (the slide is not rejected: the caller decides).</param>
public sealed record TissueMask(string SlideId, RgbImage Thumbnail, bool[] Mask, (double X, double Y) Downsample,
    (byte R, byte G, byte B) Background, double OdThreshold, double OtsuThreshold, string? Warning)
{
    // Summed-area table of Mask, remembered with the array it was built from (a `with` copy may swap the mask).
    private (bool[] For, int[] Table)? _integral;

    /// <summary>Thumbnail width.</summary>
    public int Width => Thumbnail.Width;

    /// <summary>Thumbnail height.</summary>
    public int Height => Thumbnail.Height;

    /// <summary>Fraction of thumbnail pixels that are tissue.</summary>
    public double TissueFraction => Mask.Count(m => m) / (double)Mask.Length;

    /// <summary>Fraction of tissue in a level-0 rectangle, from the thumbnail pixels whose centres fall inside it
    /// (the nearest pixel when none does).</summary>
    public double FractionIn(double x0, double y0, double width, double height)
    {
        if (_integral is not { } cached || !ReferenceEquals(cached.For, Mask))
            _integral = cached = (Mask, Integral());
        var ii = cached.Table;
        int ax = (int)Math.Ceiling(x0 / Downsample.X - 0.5), ay = (int)Math.Ceiling(y0 / Downsample.Y - 0.5);
        int bx = (int)Math.Ceiling((x0 + width) / Downsample.X - 0.5), by = (int)Math.Ceiling((y0 + height) / Downsample.Y - 0.5);
        ax = Math.Clamp(ax, 0, Width); bx = Math.Clamp(bx, 0, Width);
        ay = Math.Clamp(ay, 0, Height); by = Math.Clamp(by, 0, Height);
        if (bx <= ax || by <= ay)
        {
            int cx = Math.Clamp((int)((x0 + width / 2) / Downsample.X), 0, Width - 1);
            int cy = Math.Clamp((int)((y0 + height / 2) / Downsample.Y), 0, Height - 1);
            return Mask[cy * Width + cx] ? 1 : 0;
        }
        int w1 = Width + 1;
        int sum = ii[by * w1 + bx] - ii[ay * w1 + bx] - ii[by * w1 + ax] + ii[ay * w1 + ax];
        return sum / (double)((bx - ax) * (by - ay));
    }

    private int[] Integral()
    {
        int w1 = Width + 1;
        var ii = new int[w1 * (Height + 1)];
        for (int y = 0; y < Height; y++)
        {
            int row = 0;
            for (int x = 0; x < Width; x++)
            {
                row += Mask[y * Width + x] ? 1 : 0;
                ii[(y + 1) * w1 + x + 1] = ii[y * w1 + x + 1] + row;
            }
        }
        return ii;
    }
}

/// <summary>
/// Finds tissue on a thumbnail: mean optical density (log10) per pixel relative to the glass (the mean colour of the
/// brightest 1% of pixels, at least <see cref="MinBackground"/> per channel, so scanners' white balance does not
/// matter), median-filtered, thresholded by Otsu clamped to
/// [<see cref="TissueDetectionConfig.MinOdThreshold"/>, <see cref="TissueDetectionConfig.MaxOdThreshold"/>]; then
/// enclosed holes below a size are filled and components below a minimum area dropped. Stained tissue absorbs in
/// every channel while glass does not, so optical density separates pale stroma from glass better than saturation.
/// </summary>
public static class TissueDetector
{
    /// <summary>Lowest glass level per channel: a field whose brightest pixels are darker is taken to have no glass.</summary>
    public const byte MinBackground = 220;

    /// <summary>Largest level read whole to make the thumbnail (a pyramid always has a much smaller one).</summary>
    public const long MaxThumbnailSourcePixels = 200_000_000;

    /// <summary>Detects tissue on <paramref name="slide"/>.</summary>
    /// <param name="slide">The slide.</param>
    /// <param name="config">Settings; <see cref="TissueDetectionConfig.Default"/> when null.</param>
    /// <param name="slideMpp">Level-0 MPP override.</param>
    /// <param name="log">Receives the warning when no tissue is found.</param>
    public static TissueMask Detect(ISlide slide, TissueDetectionConfig? config = null, double? slideMpp = null, Action<string>? log = null)
    {
        config ??= TissueDetectionConfig.Default;
        double mpp0 = slide.ResolveMpp(slideMpp);
        var (w0, h0) = slide.LevelDimensions[0];
        double factor = Math.Max(config.ThumbnailMpp / mpp0, Math.Max(w0, h0) / (double)config.MaxThumbnailSide);
        factor = Math.Max(factor, 1.0);
        int tw = Math.Max(1, (int)Math.Round(w0 / factor)), th = Math.Max(1, (int)Math.Round(h0 / factor));
        int level = slide.BestLevelForDownsample(factor);
        var (lw, lh) = slide.LevelDimensions[level];
        if (lw * lh > MaxThumbnailSourcePixels)
            throw new SlideFormatException(slide.Source, $"slide '{slide.Id}': its coarsest usable level {level} is {lw}x{lh}, too large to read " +
                $"whole for a {tw}x{th} thumbnail; the file needs a pyramid (e.g. rewrite it with PyramidalTiff.Write)");
        var levelImage = slide.ReadRegion(0, 0, level, (int)lw, (int)lh);
        var thumb = levelImage.Resize(tw, th);
        double areaPerPx = (w0 / (double)tw * mpp0) * (h0 / (double)th * mpp0);
        return DetectOnThumbnail(slide.Id, thumb, (w0 / (double)tw, h0 / (double)th), areaPerPx, config, log);
    }

    /// <summary>Detects tissue on a ready thumbnail whose pixels cover <paramref name="um2PerPixel"/> µm² each.</summary>
    public static TissueMask DetectOnThumbnail(string slideId, RgbImage thumb, (double X, double Y) downsample, double um2PerPixel,
        TissueDetectionConfig config, Action<string>? log = null)
    {
        int w = thumb.Width, h = thumb.Height;
        var background = EstimateBackground(thumb);
        var od = MedianFilter(OpticalDensity(thumb, background), w, h, config.MedianRadius);
        double otsu = Otsu(od, 0, 1.5, 256);
        double t = Math.Clamp(otsu, config.MinOdThreshold, config.MaxOdThreshold);
        var mask = new bool[od.Length];
        for (int i = 0; i < od.Length; i++) mask[i] = od[i] > t;
        FillHoles(mask, w, h, (int)Math.Floor(config.MaxHoleAreaUm2 / um2PerPixel));
        RemoveSmall(mask, w, h, (int)Math.Ceiling(config.MinTissueAreaUm2 / um2PerPixel));
        string? warning = null;
        if (!mask.Any(m => m))
        {
            warning = $"slide '{slideId}': no tissue found on its {w}x{h} thumbnail (optical density threshold {t:F3}, Otsu {otsu:F3}); " +
                      "the slide may be blank or out of focus, or the thresholds too strict";
            log?.Invoke(warning);
        }
        return new TissueMask(slideId, thumb, mask, downsample, background, t, otsu, warning);
    }

    /// <summary>The glass colour: mean of the brightest 1% of pixels (by R+G+B), each channel at least <see cref="MinBackground"/>.</summary>
    public static (byte R, byte G, byte B) EstimateBackground(RgbImage image)
    {
        var p = image.Pixels;
        int n = image.Width * image.Height;
        var hist = new int[766];
        for (int i = 0, o = 0; i < n; i++, o += 3) hist[p[o] + p[o + 1] + p[o + 2]]++;
        int need = Math.Max(1, n / 100), cut = 765;
        for (int acc = 0; cut > 0 && (acc += hist[cut]) < need; cut--) { }
        long r = 0, g = 0, b = 0, c = 0;
        for (int i = 0, o = 0; i < n; i++, o += 3)
            if (p[o] + p[o + 1] + p[o + 2] >= cut) { r += p[o]; g += p[o + 1]; b += p[o + 2]; c++; }
        static byte Level(long sum, long count) => (byte)Math.Max(MinBackground, (int)Math.Round(sum / (double)count));
        return (Level(r, c), Level(g, c), Level(b, c));
    }

    /// <summary>Mean over R, G, B of -log10((I + 1) / (I0 + 1)) per pixel, I0 the background of that channel (0 at or above it).</summary>
    public static float[] OpticalDensity(RgbImage image, (byte R, byte G, byte B) background)
    {
        var luts = new float[3][];
        byte[] bg = [background.R, background.G, background.B];
        for (int c = 0; c < 3; c++)
        {
            luts[c] = new float[256];
            for (int i = 0; i < 256; i++) luts[c][i] = (float)Math.Max(0, -Math.Log10((i + 1) / (bg[c] + 1.0)) / 3);
        }
        var od = new float[image.Width * image.Height];
        var p = image.Pixels;
        float[] lr = luts[0], lg = luts[1], lb = luts[2];
        for (int i = 0, o = 0; i < od.Length; i++, o += 3)
            od[i] = lr[p[o]] + lg[p[o + 1]] + lb[p[o + 2]];
        return od;
    }

    /// <summary>Otsu's threshold of <paramref name="values"/> over a histogram of <paramref name="bins"/> bins on [lo, hi].</summary>
    public static double Otsu(ReadOnlySpan<float> values, double lo, double hi, int bins)
    {
        var hist = new long[bins];
        double scale = bins / (hi - lo);
        foreach (var v in values)
            hist[Math.Clamp((int)((v - lo) * scale), 0, bins - 1)]++;
        long total = values.Length;
        double sumAll = 0;
        for (int i = 0; i < bins; i++) sumAll += i * (double)hist[i];
        double sumB = 0, best = -1;
        long wB = 0;
        int bestBin = 0;
        for (int i = 0; i < bins; i++)
        {
            wB += hist[i];
            if (wB == 0) continue;
            long wF = total - wB;
            if (wF == 0) break;
            sumB += i * (double)hist[i];
            double mB = sumB / wB, mF = (sumAll - sumB) / wF;
            double between = (double)wB * wF * (mB - mF) * (mB - mF);
            if (between > best) { best = between; bestBin = i; }
        }
        return lo + (bestBin + 1) / scale; // upper edge of the last background bin
    }

    private static float[] MedianFilter(float[] src, int w, int h, int r)
    {
        if (r <= 0) return src;
        var dst = new float[src.Length];
        var window = new float[(2 * r + 1) * (2 * r + 1)];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int n = 0;
                for (int dy = -r; dy <= r; dy++)
                {
                    int yy = Math.Clamp(y + dy, 0, h - 1);
                    for (int dx = -r; dx <= r; dx++)
                        window[n++] = src[yy * w + Math.Clamp(x + dx, 0, w - 1)];
                }
                Array.Sort(window, 0, n);
                dst[y * w + x] = window[n / 2];
            }
        return dst;
    }

    // Background components (4-connected) not touching the border and smaller than maxArea become tissue.
    private static void FillHoles(bool[] mask, int w, int h, int maxArea)
    {
        if (maxArea <= 0) return;
        foreach (var (pixels, touchesBorder) in Components(mask, w, h, value: false, eightConnected: false))
            if (!touchesBorder && pixels.Count <= maxArea)
                foreach (var i in pixels) mask[i] = true;
    }

    // Tissue components (8-connected) smaller than minArea become background.
    private static void RemoveSmall(bool[] mask, int w, int h, int minArea)
    {
        if (minArea <= 1) return;
        foreach (var (pixels, _) in Components(mask, w, h, value: true, eightConnected: true))
            if (pixels.Count < minArea)
                foreach (var i in pixels) mask[i] = false;
    }

    private static IEnumerable<(List<int> Pixels, bool TouchesBorder)> Components(bool[] mask, int w, int h, bool value, bool eightConnected)
    {
        var seen = new bool[mask.Length];
        var queue = new Queue<int>();
        for (int start = 0; start < mask.Length; start++)
        {
            if (seen[start] || mask[start] != value) continue;
            var pixels = new List<int>();
            bool border = false;
            seen[start] = true;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int i = queue.Dequeue();
                pixels.Add(i);
                int x = i % w, y = i / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) border = true;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if ((dx == 0 && dy == 0) || (!eightConnected && dx != 0 && dy != 0)) continue;
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int j = ny * w + nx;
                        if (seen[j] || mask[j] != value) continue;
                        seen[j] = true;
                        queue.Enqueue(j);
                    }
            }
            yield return (pixels, border);
        }
    }
}
