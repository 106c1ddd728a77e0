using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>One optimiser step as the shared loop saw it (what <see cref="TrainerOptions.LoopProgress"/> receives).</summary>
/// <param name="Trainer">"end-to-end", "two-stage/&lt;decoder type&gt;" or "mae".</param>
/// <param name="Epoch">Epoch (1-based) the step belongs to.</param>
/// <param name="Step">Optimiser steps done in the whole run, this one included (1-based; resumed runs count the earlier steps).</param>
/// <param name="StepInEpoch">Step within its epoch (1-based).</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="LearningRate">Learning rate the step used.</param>
/// <param name="Loss">The step's loss.</param>
/// <param name="Seconds">Wall time of the step.</param>
public sealed record LoopProgress(string Trainer, int Epoch, int Step, int StepInEpoch, int StepsPerEpoch, double LearningRate, double Loss, double Seconds);

/// <summary>
/// The one training loop of the library: the end-to-end trainer, the two-stage decoder training and MAE pretraining
/// all run their optimiser steps through it. It owns the order of things — epoch start, per step the scheduled
/// learning rate set on every parameter group, the trainer's step (gradients and <c>optimizer.step()</c>), the
/// check that the step's loss is finite (else <see cref="NonFiniteException"/> at that step), the progress events, and
/// at each epoch's end the trainer's end-of-epoch work (evaluation, best epoch, checkpoint, stopping) — so a change to
/// any of them is made once. What a step computes stays with the trainer.
/// </summary>
internal sealed class StepLoop
{
    /// <summary>Name reported in <see cref="LoopProgress.Trainer"/>.</summary>
    public required string Trainer { get; init; }

    /// <summary>Optimiser steps per epoch.</summary>
    public required int StepsPerEpoch { get; init; }

    /// <summary>Learning rate of a (0-based) global step.</summary>
    public required Func<int, double> Schedule { get; init; }

    /// <summary>The optimiser whose groups get the scheduled rate.</summary>
    public required optim.Optimizer Optimizer { get; init; }

    /// <summary>Called before an epoch's first step with the epoch (1-based): data order, tile sampling.</summary>
    public Action<int>? BeginEpoch { get; init; }

    /// <summary>
    /// One optimiser step: (global step 0-based, step within the epoch 0-based) -> the step's loss. It computes the
    /// gradients and calls <c>optimizer.step()</c>; the rate is already set.
    /// </summary>
    public required Func<int, int, double> Step { get; init; }

    /// <summary>
    /// What the step just run read, for the message when its loss is not finite: (global step 0-based, step within
    /// the epoch 0-based) -> e.g. "the bags of slides 'S1', 'S2'". Null: the message names the step only.
    /// </summary>
    public Func<int, int, string>? StepInputs { get; init; }

    /// <summary>Advice appended to the message of a non-finite loss ("lower the learning rate …"), from the global step 0-based.</summary>
    public Func<int, string>? NonFiniteAdvice { get; init; }

    /// <summary>After every step (the trainer's own progress report).</summary>
    public Action<LoopProgress>? AfterStep { get; init; }

    /// <summary>Receives every step too (observers: tests, live plots).</summary>
    public IProgress<LoopProgress>? Observer { get; init; }

    /// <summary>
    /// At an epoch's end (its last step done; also after the run's last step when <see cref="Run"/> ends mid-epoch):
    /// epoch (1-based) -> whether to go on.
    /// </summary>
    public Func<int, EpochOutcome>? EndEpoch { get; init; }

    /// <summary>
    /// Runs global steps <paramref name="start"/> (0-based) up to <paramref name="end"/> (exclusive) unless an
    /// end-of-epoch outcome stops it; returns the outcome of the last epoch end (Continue when none ran).
    /// </summary>
    public EpochOutcome Run(int start, int end, CancellationToken ct = default)
    {
        if (StepsPerEpoch <= 0) throw new InvalidOperationException($"StepLoop '{Trainer}': StepsPerEpoch must be positive, got {StepsPerEpoch}.");
        var outcome = EpochOutcome.Continue;
        for (int step = start; step < end; step++)
        {
            int epoch = step / StepsPerEpoch + 1, k = step % StepsPerEpoch;
            if (k == 0 || step == start) BeginEpoch?.Invoke(epoch);
            ct.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            double lr = Schedule(step);
            OptimizerFactory.SetLearningRate(Optimizer, lr);
            double loss = Step(step, k);
            if (!double.IsFinite(loss)) throw NonFinite(loss, epoch, step, k);
            var p = new LoopProgress(Trainer, epoch, step + 1, k + 1, StepsPerEpoch, lr, loss, clock.Elapsed.TotalSeconds);
            AfterStep?.Invoke(p);
            Observer?.Report(p);
            if (k == StepsPerEpoch - 1 || step == end - 1)
            {
                outcome = EndEpoch?.Invoke(epoch) ?? EpochOutcome.Continue;
                if (outcome != EpochOutcome.Continue) break;
            }
        }
        return outcome;
    }

    /// <summary>
    /// The error of a NaN or infinite step loss. Thrown right after the step, before its progress events and before
    /// the epoch's end, so nothing of the epoch is checkpointed: the last checkpoint stays the previous epoch's.
    /// </summary>
    private NonFiniteException NonFinite(double loss, int epoch, int step, int k)
    {
        var inputs = StepInputs?.Invoke(step, k);
        var advice = NonFiniteAdvice?.Invoke(step);
        return new NonFiniteException($"{Trainer}: the training loss is {loss} at epoch {epoch}, step {k + 1} of {StepsPerEpoch} " +
            $"(step {step + 1} of the run){(inputs is null ? "" : $", on {inputs}")}; training stopped there, before the epoch's end, " +
            $"so any checkpoint on disk is still the previous epoch's{(advice is null ? "" : $"; {advice}")}.");
    }
}
