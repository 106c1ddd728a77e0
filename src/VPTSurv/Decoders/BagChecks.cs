using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>Validates a <see cref="Bag"/> against a decoder before any arithmetic, with messages naming what is wrong.</summary>
internal static class BagChecks
{
    /// <summary>Throws <see cref="ArgumentException"/> when the bag does not fit <paramref name="decoder"/>.</summary>
    public static void Validate(Bag bag, BagDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(bag);
        var name = decoder.GetName();
        var f = bag.Features;
        if (f.dim() != 2)
            throw new ArgumentException($"{name}: Bag.Features must be (N, D); got shape ({string.Join(", ", f.shape)}).", nameof(bag));
        if (f.shape[0] < 1)
            throw new ArgumentException($"{name}: the bag is empty (N = 0); a bag needs at least one tile.", nameof(bag));
        if (f.shape[1] != decoder.InputDim)
            throw new ArgumentException($"{name}: Bag.Features has width D = {f.shape[1]}, expected {decoder.InputDim}.", nameof(bag));
        if (!f.is_floating_point())
            throw new ArgumentException($"{name}: Bag.Features must be floating point; got {f.dtype}.", nameof(bag));
        long n = f.shape[0];
        if (bag.Coordinates is { } c)
        {
            if (c.dim() != 2 || c.shape[0] != n || c.shape[1] != 2)
                throw new ArgumentException($"{name}: Bag.Coordinates must be (N, 2) = ({n}, 2); got ({string.Join(", ", c.shape)}).", nameof(bag));
            if (!c.is_floating_point())
                throw new ArgumentException($"{name}: Bag.Coordinates must be float32 pixels at the target MPP; got {c.dtype}.", nameof(bag));
        }
        else if (decoder.NeedsCoordinates)
            throw new ArgumentException($"{name}: this decoder is spatial and needs Bag.Coordinates (N, 2).", nameof(bag));
        if (bag.SlideIndex is { } s)
        {
            if (s.dim() != 1 || s.shape[0] != n)
                throw new ArgumentException($"{name}: Bag.SlideIndex must be (N) = ({n}); got ({string.Join(", ", s.shape)}).", nameof(bag));
            if (s.dtype != ScalarType.Int64)
                throw new ArgumentException($"{name}: Bag.SlideIndex must be int64; got {s.dtype}.", nameof(bag));
            if (s.min().item<long>() < 0)
                throw new ArgumentException($"{name}: Bag.SlideIndex has a negative slide number.", nameof(bag));
        }
    }
}
