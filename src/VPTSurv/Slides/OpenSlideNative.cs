using System.Runtime.InteropServices;

namespace VPTSurv.Slides;

/// <summary>
/// P/Invoke declarations for the C API of OpenSlide 3.4 / 4.x (<c>libopenslide.so.0</c>). Only functions present in
/// 3.4.1, Debian 12's version, are declared.
/// </summary>
internal static class OpenSlideNative
{
    public const string Library = "libopenslide.so.0";
    public const string InstallHint = "sudo apt-get install libopenslide0";

    private static readonly Lazy<string?> LoadError = new(() => Probe(Library));

    /// <summary>Null when <paramref name="library"/> loads, else why not and how to install OpenSlide.</summary>
    internal static string? Probe(string library)
    {
        try
        {
            if (NativeLibrary.TryLoad(library, typeof(OpenSlideNative).Assembly, null, out _))
                return null;
            return $"the native library {library} could not be loaded; install it with `{InstallHint}` (Debian/Ubuntu)";
        }
        catch (Exception e)
        {
            return $"the native library {library} could not be loaded ({e.Message}); install it with `{InstallHint}` (Debian/Ubuntu)";
        }
    }

    /// <summary>Null when the library loads, else the reason and how to install it.</summary>
    public static string? UnavailableReason => LoadError.Value;

    [DllImport(Library, EntryPoint = "openslide_detect_vendor")]
    public static extern IntPtr DetectVendor([MarshalAs(UnmanagedType.LPUTF8Str)] string filename);

    [DllImport(Library, EntryPoint = "openslide_open")]
    public static extern IntPtr Open([MarshalAs(UnmanagedType.LPUTF8Str)] string filename);

    [DllImport(Library, EntryPoint = "openslide_close")]
    public static extern void Close(IntPtr osr);

    [DllImport(Library, EntryPoint = "openslide_get_error")]
    public static extern IntPtr GetError(IntPtr osr);

    [DllImport(Library, EntryPoint = "openslide_get_level_count")]
    public static extern int GetLevelCount(IntPtr osr);

    [DllImport(Library, EntryPoint = "openslide_get_level_dimensions")]
    public static extern void GetLevelDimensions(IntPtr osr, int level, out long w, out long h);

    [DllImport(Library, EntryPoint = "openslide_get_level_downsample")]
    public static extern double GetLevelDownsample(IntPtr osr, int level);

    /// <summary>Fills <paramref name="dest"/> (w*h) with premultiplied ARGB pixels, native-endian uint32.</summary>
    [DllImport(Library, EntryPoint = "openslide_read_region")]
    public static extern void ReadRegion(IntPtr osr, [Out] uint[] dest, long x, long y, int level, long w, long h);

    [DllImport(Library, EntryPoint = "openslide_get_property_names")]
    public static extern IntPtr GetPropertyNames(IntPtr osr);

    [DllImport(Library, EntryPoint = "openslide_get_property_value")]
    public static extern IntPtr GetPropertyValue(IntPtr osr, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(Library, EntryPoint = "openslide_get_version")]
    public static extern IntPtr GetVersion();

    /// <summary>The error string of a handle, or null when it is healthy.</summary>
    public static string? Error(IntPtr osr) => Marshal.PtrToStringUTF8(GetError(osr));

    /// <summary>A NULL-terminated array of C strings, as managed strings.</summary>
    public static List<string> StringArray(IntPtr array)
    {
        var result = new List<string>();
        if (array == IntPtr.Zero) return result;
        for (int i = 0; ; i++)
        {
            var p = Marshal.ReadIntPtr(array, i * IntPtr.Size);
            if (p == IntPtr.Zero) break;
            result.Add(Marshal.PtrToStringUTF8(p)!);
        }
        return result;
    }
}
