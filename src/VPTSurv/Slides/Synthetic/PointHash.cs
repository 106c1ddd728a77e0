namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// Stateless hashing of integer coordinates. Every random choice of the renderer is a hash of (slide key, what, where),
/// never a draw from a sequential generator, so that a pixel's value does not depend on which region asked for it.
/// </summary>
internal static class PointHash
{
    /// <summary>SplitMix64's finaliser: a bijective 64-bit mix with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A key for one kind of random choice of one slide.</summary>
    public static ulong Key(ulong seed, ulong salt) => Mix(Mix(seed) ^ (salt * 0x9E3779B97F4A7C15UL));

    /// <summary>Hash of a lattice point under a key.</summary>
    public static ulong Of(ulong key, long a, long b) => Mix((ulong)a * 0xD1B54A32D192ED03UL + Mix((ulong)b ^ key));

    /// <summary>Hash of a lattice point and an index (several candidates per cell).</summary>
    public static ulong Of(ulong key, long a, long b, int k) => Mix(Of(key, a, b) + (ulong)k * 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, 1) from the top 24 bits.</summary>
    public static float Unit(ulong h) => (h >> 40) * (1f / (1 << 24));

    /// <summary>A second, independent uniform in [0, 1) from the low bits of the same hash.</summary>
    public static float Unit2(ulong h) => (h & 0xFFFFFF) * (1f / (1 << 24));

    /// <summary>A third uniform from the middle bits.</summary>
    public static float Unit3(ulong h) => ((h >> 20) & 0xFFFFF) * (1f / (1 << 20));
}

/// <summary>Value noise on a hashed lattice, smooth-stepped, and its fractal sum; values in [0, 1).</summary>
internal static class ValueNoise
{
    public static float At(ulong key, double x, double y)
    {
        double fx0 = Math.Floor(x), fy0 = Math.Floor(y);
        long ix = (long)fx0, iy = (long)fy0;
        float tx = (float)(x - fx0), ty = (float)(y - fy0);
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        float a = PointHash.Unit(PointHash.Of(key, ix, iy));
        float b = PointHash.Unit(PointHash.Of(key, ix + 1, iy));
        float c = PointHash.Unit(PointHash.Of(key, ix, iy + 1));
        float d = PointHash.Unit(PointHash.Of(key, ix + 1, iy + 1));
        float top = a + (b - a) * tx, bottom = c + (d - c) * tx;
        return top + (bottom - top) * ty;
    }

    /// <summary>Sum of <paramref name="octaves"/> octaves (each twice the frequency, half the amplitude), normalised.</summary>
    public static float Fractal(ulong key, double x, double y, int octaves)
    {
        float sum = 0, amp = 1, norm = 0;
        for (int o = 0; o < octaves; o++)
        {
            sum += amp * At(key + (ulong)o, x, y);
            norm += amp;
            amp *= 0.5f;
            x *= 2.03;
            y *= 2.03;
        }
        return sum / norm;
    }
}
