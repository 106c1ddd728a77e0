using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Training;

/// <summary>
/// AdamW over the trainable parameters in two groups, as nanoGPT and timm do: weight decay on matrices and convolution
/// kernels; none on norms, biases and learned queries or embeddings (decaying them pulls tokens toward zero for no gain).
/// </summary>
public static class OptimizerFactory
{
    /// <summary>Whether the parameter called <paramref name="name"/> gets weight decay.</summary>
    public static bool Decays(string name, Parameter p)
    {
        string last = name[(name.LastIndexOf('.') + 1)..];
        if (p.dim() < 2) return false; // biases, norm scales and shifts
        return !(last is "queries" or "cls_token" or "reg_token" || last.Contains("pos_embed", StringComparison.Ordinal)
            || last.Contains("embedding", StringComparison.Ordinal));
    }

    /// <summary>AdamW with a decay group and a no-decay group over the parameters of <paramref name="module"/> that require grad.</summary>
    public static AdamW Create(nn.Module module, double learningRate, double weightDecay)
    {
        var trainable = module.named_parameters().Where(x => x.parameter.requires_grad).ToList();
        if (trainable.Count == 0)
            throw new ArgumentException($"Module '{module.GetName()}' has no trainable parameter.", nameof(module));
        var decay = trainable.Where(x => Decays(x.name, x.parameter)).Select(x => x.parameter).ToList();
        var noDecay = trainable.Where(x => !Decays(x.name, x.parameter)).Select(x => x.parameter).ToList();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0) groups.Add(new AdamW.ParamGroup(decay, lr: learningRate, weight_decay: weightDecay));
        if (noDecay.Count > 0) groups.Add(new AdamW.ParamGroup(noDecay, lr: learningRate, weight_decay: 0));
        // TorchSharp's update, with the scalars kept alive through the native calls (see GcSafeAdamW).
        return new GcSafeAdamW(groups, learningRate, weightDecay);
    }

    /// <summary>Sets every group's learning rate (the schedule is applied by the trainer, step by step).</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double lr)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
    }
}

/// <summary>
/// Linear warm-up over <see cref="WarmupSteps"/> steps (rate BaseRate · (step + 1) / WarmupSteps), then cosine
/// annealing from the base rate to <see cref="Minimum"/> over the remaining steps of <see cref="TotalSteps"/>
/// (PyTorch's CosineAnnealingLR without restarts when there is no warm-up). Its whole state is the step count, which
/// checkpoints store.
/// </summary>
/// <param name="BaseRate">Rate after the warm-up (at step 0 without one).</param>
/// <param name="TotalSteps">Steps over which it runs (epochs x steps per epoch), warm-up included.</param>
/// <param name="Minimum">Rate reached at the last step.</param>
/// <param name="WarmupSteps">Steps of linear warm-up (0 = none).</param>
public sealed record CosineSchedule(double BaseRate, int TotalSteps, double Minimum = 0, int WarmupSteps = 0)
{
    /// <summary>The schedule of <paramref name="settings"/> for <paramref name="stepsPerEpoch"/> optimiser steps per epoch.</summary>
    public static CosineSchedule For(TrainingSettings settings, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.LearningRate, settings.Epochs * stepsPerEpoch, 0, (int)Math.Round(settings.WarmupEpochs * stepsPerEpoch));
    }

    /// <summary>The rate for optimiser step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        int decay = TotalSteps - WarmupSteps;
        return Minimum + (BaseRate - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step - WarmupSteps, decay) / Math.Max(1, decay)));
    }
}
