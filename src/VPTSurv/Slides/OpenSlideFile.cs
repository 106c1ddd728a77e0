using System.Buffers;
using System.Globalization;

namespace VPTSurv.Slides;

/// <summary>
/// A slide read through OpenSlide (<c>libopenslide.so.0</c>): Aperio .svs, Hamamatsu .ndpi, MIRAX .mrxs, generic tiled
/// TIFF and the other formats OpenSlide knows. Thread-safe: regions may be read from several threads at once.
/// </summary>
/// <remarks>
/// OpenSlide puts a handle into a permanent error state after one failed read, and the state is shared by every thread
/// reading through it. A failed read is therefore read again alone (no other read in flight) on a handle reopened if it
/// is in the error state, so a failure caused by another thread's region is not blamed on this one; a region that
/// fails there is reported as a
/// <see cref="SlideRegionException"/> and the slide stays usable.
/// </remarks>
public sealed class OpenSlideFile : ISlide
{
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private IntPtr _osr;
    private bool _disposed;

    /// <summary>Whether OpenSlide's native library can be loaded on this machine.</summary>
    public static bool IsAvailable => OpenSlideNative.UnavailableReason is null;

    /// <summary>The OpenSlide version string, or null when the library is missing.</summary>
    public static string? Version =>
        IsAvailable ? System.Runtime.InteropServices.Marshal.PtrToStringUTF8(OpenSlideNative.GetVersion()) : null;

    /// <summary>Whether OpenSlide recognises <paramref name="path"/> (its vendor), or null when it does not.</summary>
    public static string? DetectVendor(string path)
    {
        RequireLibrary(path);
        return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(OpenSlideNative.DetectVendor(path));
    }

    /// <summary>Opens <paramref name="path"/>. Throws <see cref="OpenSlideUnavailableException"/> when the library is
    /// missing and <see cref="SlideFormatException"/> when the file is missing or not a slide OpenSlide can read.</summary>
    /// <param name="path">The slide file.</param>
    /// <param name="id">Identifier; defaults to the file name without extension.</param>
    public OpenSlideFile(string path, string? id = null)
    {
        RequireLibrary(path);
        SlideSource.RequireSlideFile(path);
        Source = path;
        Id = id ?? Path.GetFileNameWithoutExtension(path);
        _osr = OpenHandle(path);

        int levels = OpenSlideNative.GetLevelCount(_osr);
        var dims = new (long, long)[levels];
        var downs = new double[levels];
        for (int l = 0; l < levels; l++)
        {
            OpenSlideNative.GetLevelDimensions(_osr, l, out var w, out var h);
            dims[l] = (w, h);
            downs[l] = OpenSlideNative.GetLevelDownsample(_osr, l);
        }
        LevelDimensions = dims;
        LevelDownsamples = downs;
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in OpenSlideNative.StringArray(OpenSlideNative.GetPropertyNames(_osr)))
            props[name] = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(OpenSlideNative.GetPropertyValue(_osr, name)) ?? "";
        Properties = props;
        MicronsPerPixel = ParsePositive(props, "openslide.mpp-x") ?? TiffResolutionMpp(props);
        if (OpenSlideNative.Error(_osr) is { } err)
        {
            OpenSlideNative.Close(_osr);
            _osr = IntPtr.Zero;
            throw new SlideFormatException(path, "OpenSlide: " + err);
        }
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public string Source { get; }

    /// <inheritdoc />
    public IReadOnlyList<(long Width, long Height)> LevelDimensions { get; }

    /// <inheritdoc />
    public IReadOnlyList<double> LevelDownsamples { get; }

    /// <inheritdoc />
    public double? MicronsPerPixel { get; }

    /// <summary>OpenSlide's properties of the slide (<c>openslide.vendor</c>, <c>openslide.mpp-x</c>, <c>tiff.*</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>The vendor OpenSlide detected (<c>aperio</c>, <c>generic-tiff</c>, …).</summary>
    public string? Vendor => Properties.GetValueOrDefault("openslide.vendor");

    /// <inheritdoc />
    public RgbImage ReadRegion(long x, long y, int level, int width, int height)
    {
        this.RequireLevel(level);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"region size must be positive, got {width}x{height}");
        // Pooled: a 256² ARGB buffer is 256 KB, a large-object allocation per tile otherwise.
        var argb = ArrayPool<uint>.Shared.Rent(checked(width * height));
        try
        {
            // A failure may be another thread's (the handle's error state is shared): read again alone, on a sound handle.
            if (TryRead(argb, x, y, level, width, height) is not null
                && ReadAlone(argb, x, y, level, width, height) is { } error)
                throw new SlideRegionException(Id, Source, x, y, level, width, height, "OpenSlide: " + error);
            return ToRgbOverWhite(argb, width, height);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(argb);
        }
    }

    /// <summary>Premultiplied ARGB over a white background: c + (255 - a) per channel.</summary>
    internal static RgbImage ToRgbOverWhite(uint[] argb, int width, int height)
    {
        int n = width * height;
        var px = GC.AllocateUninitializedArray<byte>(n * 3); // every byte is written below
        for (int i = 0, o = 0; i < n; i++, o += 3)
        {
            uint p = argb[i];
            uint a = p >> 24;
            if (a == 255)
            {
                px[o] = (byte)(p >> 16); px[o + 1] = (byte)(p >> 8); px[o + 2] = (byte)p;
            }
            else
            {
                uint bg = 255 - a;
                px[o] = (byte)(((p >> 16) & 0xFF) + bg);
                px[o + 1] = (byte)(((p >> 8) & 0xFF) + bg);
                px[o + 2] = (byte)((p & 0xFF) + bg);
            }
        }
        return new RgbImage(width, height, px);
    }

    private string? TryRead(uint[] dest, long x, long y, int level, int width, int height)
    {
        _gate.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            OpenSlideNative.ReadRegion(_osr, dest, x, y, level, width, height);
            return OpenSlideNative.Error(_osr);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    // Reads with no other read in flight, on a handle reopened if it is in the error state, so an error is this
    // region's own; a handle left in the error state is replaced before the lock is released.
    private string? ReadAlone(uint[] dest, long x, long y, int level, int width, int height)
    {
        _gate.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (OpenSlideNative.Error(_osr) is not null) Reopen();
            OpenSlideNative.ReadRegion(_osr, dest, x, y, level, width, height);
            string? error = OpenSlideNative.Error(_osr);
            if (error is not null) Reopen();
            return error;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    // Replaces the handle; the caller holds the write lock.
    private void Reopen()
    {
        OpenSlideNative.Close(_osr);
        _osr = OpenHandle(Source);
    }

    private static IntPtr OpenHandle(string path)
    {
        var osr = OpenSlideNative.Open(path);
        if (osr == IntPtr.Zero)
            throw new SlideFormatException(path, "not a slide format OpenSlide recognises");
        if (OpenSlideNative.Error(osr) is { } err)
        {
            OpenSlideNative.Close(osr);
            throw new SlideFormatException(path, "OpenSlide: " + err);
        }
        return osr;
    }

    private static void RequireLibrary(string path)
    {
        if (OpenSlideNative.UnavailableReason is { } reason)
            throw new OpenSlideUnavailableException(path, reason);
    }

    // OpenSlide 3.4 reports no MPP for generic TIFF even when the file has resolution tags (4.0 does): read them.
    private static double? TiffResolutionMpp(IReadOnlyDictionary<string, string> props)
    {
        if (ParsePositive(props, "tiff.XResolution") is not { } res) return null;
        double micronsPerUnit = props.GetValueOrDefault("tiff.ResolutionUnit") switch
        {
            "centimeter" => 10_000,
            "inch" => 25_400,
            _ => double.NaN, // "none" or absent: no physical size
        };
        double mpp = micronsPerUnit / res;
        return SlideRegions.IsPlausibleMpp(mpp) ? mpp : null;
    }

    private static double? ParsePositive(IReadOnlyDictionary<string, string> props, string key) =>
        props.TryGetValue(key, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)
            ? v : null;

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.EnterWriteLock();
        try
        {
            if (_disposed) return;
            _disposed = true;
            if (_osr != IntPtr.Zero) OpenSlideNative.Close(_osr);
            _osr = IntPtr.Zero;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }
}
