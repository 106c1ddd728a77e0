using TorchSharp;
using TorchSharp.Modules;
using VPTSurv.Encoders;
using static TorchSharp.torch;

namespace VPTSurv.Prompts;

/// <summary>
/// Activation checkpointing of one prompted block, X_i = Block_i(X_{i−1} + Up(a_i)), as a custom autograd function
/// (PyTorch's re-entrant <c>torch.utils.checkpoint</c>, which TorchSharp lacks). Forward runs the block without a graph
/// and keeps only its inputs: the token state X_{i−1} (N, n, d) and the adaptor output a_i (N, n, r) — not the block's
/// attention maps and MLP activations. Backward recomputes the block from them with a graph and returns the gradients
/// of X_{i−1}, a_i and Up's weight and bias, so the adaptor, the prompt sources and Up receive exactly the gradients of
/// the plain graph (the frozen block has no dropout, so the recomputation is the same function).
/// </summary>
internal sealed class CheckpointedBlock : autograd.SingleTensorFunction<CheckpointedBlock>
{
    // Gradient tensors returned by the last backward call on this thread. libtorch copies them as soon as the call
    // returns, but their managed wrappers would otherwise live (holding the memory) until the step's dispose scope
    // ends or the GC runs; the next backward call of this thread releases them.
    [ThreadStatic] private static List<Tensor>? returned;

    /// <inheritdoc />
    public override string Name => nameof(CheckpointedBlock);

    /// <summary>
    /// Block <paramref name="index"/> of <paramref name="vit"/> on <paramref name="state"/> with the prompt
    /// Up(<paramref name="adaptorOutput"/>) (cast to the state's type), checkpointed.
    /// </summary>
    public static Tensor Run(ViTEncoder vit, int index, Tensor state, Tensor adaptorOutput, Linear up) =>
        apply(vit, index, state, adaptorOutput, up.weight!, up.bias!);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (vit, index, state, a, w, b) = Unpack(vars);
        ctx.save_for_backward([state, a, w, b]);
        ctx.save_data("vit", vit);
        ctx.save_data("index", index);
        ctx.save_data("needs", new[] { state.requires_grad, a.requires_grad, w.requires_grad, b.requires_grad });
        using var scope = NewDisposeScope();
        // Run as the plain graph and the recomputation do (inputs requiring grad, autograd on), because libtorch picks
        // some kernels (attention) by that: the output is then bit-identical to the plain step's. The block's graph is
        // dropped right away, so only one block's activations are ever held.
        var leaves = new[] { state, a, w, b }.Select(t => t.detach().requires_grad_(t.requires_grad)).ToList();
        using (enable_grad())
            return vit.RunBlock(index, leaves[0], Prompt(leaves[1], leaves[2], leaves[3], state.dtype)).detach().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        Release();
        var vit = (ViTEncoder)ctx.get_data("vit");
        int index = (int)ctx.get_data("index");
        var needs = (bool[])ctx.get_data("needs");
        var grads = new Tensor?[4];
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables(); // X_{i-1}, a_i, Up.weight, Up.bias
            var leaves = saved.Select((t, k) => t.detach().requires_grad_(needs[k])).ToList();
            using (enable_grad())
            {
                var output = vit.RunBlock(index, leaves[0], Prompt(leaves[1], leaves[2], leaves[3], leaves[0].dtype)); // (N, …, d)
                var wanted = Enumerable.Range(0, 4).Where(k => needs[k]).ToList();
                var result = autograd.grad([output], wanted.Select(k => leaves[k]).ToList(), [gradOutput]);
                for (int j = 0; j < wanted.Count; j++)
                    grads[wanted[j]] = result[j].DetachFromDisposeScope();
            }
        }
        gradOutput.Dispose();
        returned ??= [];
        returned.AddRange(grads.OfType<Tensor>());
        // One entry per forward argument: none for the encoder and the index.
        return [null!, null!, grads[0]!, grads[1]!, grads[2]!, grads[3]!];
    }

    private static void Release()
    {
        if (returned is null) return;
        foreach (var t in returned) t.Dispose();
        returned.Clear();
    }

    /// <summary>
    /// P_i = Up(a_i) in fp32, cast to the encoder's type: (N, n, r) -> (N, n, d). The plain path uses it too, so both
    /// paths round alike (a one-ulp fp32 difference can flip a bf16 rounding).
    /// </summary>
    internal static Tensor Prompt(Tensor a, Tensor w, Tensor b, ScalarType type) =>
        nn.functional.linear(a, w, b).to(type);

    private static (ViTEncoder Vit, int Index, Tensor State, Tensor A, Tensor W, Tensor B) Unpack(object[] vars)
    {
        if (vars is not [ViTEncoder vit, int index, Tensor state, Tensor a, Tensor w, Tensor b])
            throw new ArgumentException("CheckpointedBlock expects (encoder, block index, state, adaptor output, Up weight, Up bias).", nameof(vars));
        return (vit, index, state, a, w, b);
    }
}
