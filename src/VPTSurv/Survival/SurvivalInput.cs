namespace VPTSurv.Survival;

/// <summary>Shared argument checks so every estimator rejects bad input with the same messages (naming the index).</summary>
internal static class SurvivalInput
{
    public static void CheckTimes(IReadOnlyList<double> time, string name = "time")
    {
        ArgumentNullException.ThrowIfNull(time, name);
        // The usual case, an array of valid times, without an interface call per value; else the loop that names the index.
        if (time is double[] array && AllPositiveFinite(array)) return;
        for (int i = 0; i < time.Count; i++)
        {
            double t = time[i];
            if (!double.IsFinite(t) || t <= 0)
                throw new ArgumentException($"{name}[{i}] = {t}: survival times must be finite and > 0.", name);
        }
    }

    public static void CheckFinite(IReadOnlyList<double> values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values is double[] array && AllFinite(array)) return;
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i}] = {values[i]}: expected a finite number.", name);
    }

    // Loops over every value of large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool AllPositiveFinite(double[] values)
    {
        foreach (double v in values)
            if (!(double.IsFinite(v) && v > 0)) return false;
        return true;
    }

    // Loops over every value of large inputs: compile them fully optimised at once (no tier-0 / OSR).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool AllFinite(double[] values)
    {
        foreach (double v in values)
            if (!double.IsFinite(v)) return false;
        return true;
    }

    public static void CheckSameLength(int expected, int actual, string name, string reference = "time")
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has {actual} entries but {reference} has {expected}; they must match.", name);
    }

    /// <summary>Time and event of equal length, times finite and positive.</summary>
    public static void CheckTimeEvent(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved)
    {
        CheckTimes(time);
        ArgumentNullException.ThrowIfNull(eventObserved);
        CheckSameLength(time.Count, eventObserved.Count, nameof(eventObserved));
    }

    /// <summary>A confidence level in (0, 1).</summary>
    public static void CheckLevel(double level, string name = "Level")
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(name, level, $"{name} must lie in (0, 1).");
    }

    /// <summary>The values as an array for reading only: the caller's own array when it is one (no copy), else a copy.</summary>
    public static double[] ReadOnlyArray(IReadOnlyList<double> x) => x as double[] ?? ToArray(x);

    /// <summary>The values as an array for reading only: the caller's own array when it is one (no copy), else a copy.</summary>
    public static bool[] ReadOnlyArray(IReadOnlyList<bool> x) => x as bool[] ?? ToArray(x);

    public static double[] ToArray(IReadOnlyList<double> x)
    {
        var a = new double[x.Count];
        for (int i = 0; i < a.Length; i++) a[i] = x[i];
        return a;
    }

    public static bool[] ToArray(IReadOnlyList<bool> x)
    {
        var a = new bool[x.Count];
        for (int i = 0; i < a.Length; i++) a[i] = x[i];
        return a;
    }
}
