using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>Values that must be finite (features, losses, risks) were NaN or infinite; the message names what and where.</summary>
public sealed class NonFiniteException(string message) : Exception(message);

/// <summary>
/// Finite checks at the places values are produced, so a NaN from a poisoned checkpoint or a diverging run stops where
/// it starts (naming the slide or epoch) instead of surfacing later as <c>risk[0] = NaN</c> in an evaluation.
/// </summary>
public static class Finite
{
    /// <summary>Throws <see cref="NonFiniteException"/> when <paramref name="values"/> holds a NaN or an infinity.</summary>
    /// <param name="values">Any floating tensor.</param>
    /// <param name="what">What the values are, for the message ("features of slide 'S1' (a.svs)").</param>
    public static void Require(Tensor values, string what)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var bad = values.isfinite().logical_not().sum().item<long>();
        if (bad > 0)
            throw new NonFiniteException($"{what}: {bad} of {values.numel()} values are NaN or infinite.");
    }

    /// <summary>Throws <see cref="NonFiniteException"/> when <paramref name="value"/> is NaN or infinite.</summary>
    public static double Require(double value, string what) =>
        double.IsFinite(value) ? value : throw new NonFiniteException($"{what} is {value}.");
}
