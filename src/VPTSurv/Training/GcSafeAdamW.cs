using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// TorchSharp's AdamW with the same update, operation for operation, but every scalar of the update held in a local
/// until the native call that reads it has returned. TorchSharp 0.107 turns a <c>double</c> argument into a finalizable
/// <see cref="Scalar"/> and passes only its native handle (no <c>GC.KeepAlive</c>), so a garbage collection started by
/// another thread during the call (a tile loader, a test running beside) can free the scalar while libtorch reads it:
/// seen in CI as "Expected false to be true … from toFloat at c10/core/Scalar.h" inside <c>addcdiv_</c> of
/// <c>AdamW.step</c>. State, options and checkpoints are TorchSharp's own (this class only replaces <see cref="step"/>).
/// </summary>
public sealed class GcSafeAdamW : AdamW
{
    /// <summary>AdamW over <paramref name="groups"/> (as <c>torch.optim.AdamW</c>; a group's own settings win over these defaults).</summary>
    public GcSafeAdamW(IEnumerable<ParamGroup> groups, double lr, double weightDecay, double beta1 = 0.9, double beta2 = 0.999)
        : base(groups, lr, beta1, beta2, weight_decay: weightDecay) { }

    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, weightDecay = o.weight_decay!.Value, eps = o.eps!.Value, lr = o.LearningRate!.Value;
        bool amsgrad = o.amsgrad!.Value, maximize = o.maximize!.Value;
        using var decay = (1 - lr * weightDecay).ToScalar();
        using var b1 = beta1.ToScalar();
        using var oneMinusB1 = (1 - beta1).ToScalar();
        using var b2 = beta2.ToScalar();
        using var oneMinusB2 = (1 - beta2).ToScalar();
        using var epsilon = eps.ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            if (param.grad is not { } g) continue;
            var grad = maximize ? -g : g;
            state.step += 1;
            param.mul_(decay);
            double biasCorrection1 = 1 - Math.Pow(beta1, state.step), biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(b1).add_(grad, alpha: oneMinusB1);
            state.exp_avg_sq.mul_(b2).addcmul_(grad, grad, value: oneMinusB2);
            using var sqrtCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            Tensor denom;
            if (amsgrad)
            {
                var previous = state.max_exp_avg_sq;
                state.max_exp_avg_sq = maximum(previous, state.exp_avg_sq).DetachFromDisposeScope();
                previous.Dispose();
                denom = (state.max_exp_avg_sq.sqrt() / sqrtCorrection2).add_(epsilon);
            }
            else
            {
                denom = (state.exp_avg_sq.sqrt() / sqrtCorrection2).add_(epsilon);
            }
            using var stepSize = (-(lr / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denom, value: stepSize);
        }
    }, closure);
}
