using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Model;
using VPTSurv.Survival;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// The gradient of one bag's loss, added to the trainable parameters' <c>.grad</c> (so several bags accumulate into
/// one optimiser step). Two ways that give the same gradients: the plain step (one graph over all N tiles) and
/// gradient caching (activation memory of one micro-batch, whatever N).
/// </summary>
public static class EndToEndStep
{
    /// <summary>
    /// Adds ∂(scale · NLL)/∂θ of one bag to the gradients and returns the unscaled loss. <paramref name="bin"/> and
    /// <paramref name="eventObserved"/> are the slide's time bin and event.
    /// </summary>
    /// <param name="model">The model (its encoder frozen).</param>
    /// <param name="input">The bag: (N, 3, T, T) tiles and what the model's prompt sources read.</param>
    /// <param name="bin">Time bin of the slide.</param>
    /// <param name="eventObserved">Whether the death was observed.</param>
    /// <param name="scale">Multiplies the loss before backward (1 / bags per step).</param>
    /// <param name="gradientCaching">Use gradient caching.</param>
    /// <param name="microBatch">Tiles per encoder chunk with gradient caching.</param>
    /// <param name="onLogits">Receives the bag's K logits of this forward (the in-flight prediction), when set.</param>
    public static double Accumulate(VPTSurvModel model, SlideInput input, long bin, bool eventObserved,
        double scale, bool gradientCaching, int microBatch, Action<double[]>? onLogits = null)
    {
        using var binT = tensor(new[] { bin }, ScalarType.Int64); // (1)
        using var evT = tensor(new[] { eventObserved ? 1f : 0f }); // (1)
        return Accumulate(model, input, logits => SurvivalLoss.DiscreteTimeNll(logits, binT, evT), scale, gradientCaching,
            microBatch, onLogits);
    }

    /// <summary>
    /// Adds ∂(scale · loss)/∂θ of one bag to the gradients and returns the unscaled loss, for any loss of the bag's
    /// (1, K) hazard logits (e.g. the memory-bank Cox loss). <paramref name="loss"/> is called once per bag.
    /// </summary>
    /// <param name="model">The model (its encoder frozen).</param>
    /// <param name="input">The bag: (N, 3, T, T) tiles and what the model's prompt sources read.</param>
    /// <param name="loss">The scalar loss of the (1, K) logits.</param>
    /// <param name="scale">Multiplies the loss before backward (1 / bags per step).</param>
    /// <param name="gradientCaching">Use gradient caching.</param>
    /// <param name="microBatch">Tiles per encoder chunk with gradient caching.</param>
    /// <param name="onLogits">Receives the bag's K logits of this forward (the in-flight prediction), when set.</param>
    public static double Accumulate(VPTSurvModel model, SlideInput input, Func<Tensor, Tensor> loss,
        double scale, bool gradientCaching, int microBatch, Action<double[]>? onLogits = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(loss);
        using var scope = NewDisposeScope();
        if (!gradientCaching)
        {
            var logits = model.Forward(input).unsqueeze(0); // (1, K)
            onLogits?.Invoke(logits.detach().to(ScalarType.Float64, CPU).data<double>().ToArray());
            var plainLoss = loss(logits);
            (plainLoss * scale).backward();
            return plainLoss.item<float>();
        }

        // 1. All N tiles through the prompted encoder without a graph.
        long n = input.Count;
        Tensor pooled;
        using (no_grad())
            pooled = Chunked(n, microBatch, (start, len) => model.EncodeTiles(input.Narrow(start, len))); // (N, d)

        // 2. Decoder and loss with a graph on the pooled tokens: decoder gradients, and the tokens' gradient.
        var leaf = pooled.detach().requires_grad_(true); // (N, d)
        var cachedLogits = model.Decode(leaf, input.Positions).unsqueeze(0); // (1, K)
        onLogits?.Invoke(cachedLogits.detach().to(ScalarType.Float64, CPU).data<double>().ToArray());
        var cachedLoss = loss(cachedLogits); // ()
        (cachedLoss * scale).backward();
        var tokenGrad = leaf.grad ?? throw new InvalidOperationException("gradient caching: the pooled tokens received no gradient.");

        // 3. Each micro-batch again with a graph; backpropagating its slice of the token gradient (∑ g·token) adds its
        // share of ∂loss/∂θ, since the loss depends on θ only through the N pooled tokens.
        for (long start = 0; start < n; start += microBatch)
        {
            using var chunkScope = NewDisposeScope();
            long len = Math.Min(microBatch, n - start);
            var tokens = model.EncodeTiles(input.Narrow(start, len)); // (m, d)
            (tokens * tokenGrad.narrow(0, start, len)).sum().backward();
        }
        return cachedLoss.item<float>();
    }

    /// <summary>Pooled tokens of all tiles in chunks, without a graph: (N, 3, T, T) -> (N, d).</summary>
    public static Tensor Encode(VPTSurvModel model, SlideInput input, int microBatch)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Chunked(input.Count, microBatch, (start, len) => model.EncodeTiles(input.Narrow(start, len))).MoveToOuterDisposeScope();
    }

    private static Tensor Chunked(long n, int microBatch, Func<long, long, Tensor> encode)
    {
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += microBatch)
            parts.Add(encode(start, Math.Min(microBatch, n - start)));
        return parts.Count == 1 ? parts[0] : cat(parts, 0); // (N, d)
    }
}
