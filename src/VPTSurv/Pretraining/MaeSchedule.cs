namespace VPTSurv.Pretraining;

/// <summary>Learning rate of MAE pretraining: linear warm-up from 0, then half a cosine down to the minimum.</summary>
public static class MaeSchedule
{
    /// <summary>The learning rate used at step <paramref name="step"/> (0-based) of <paramref name="config"/>.</summary>
    public static double At(MaeConfig config, long step)
    {
        if (step < config.WarmupSteps)
            return config.LearningRate * (step + 1) / config.WarmupSteps;
        long decaySteps = Math.Max(1, config.Steps - config.WarmupSteps);
        double progress = Math.Min(1.0, (step - config.WarmupSteps) / (double)decaySteps);
        return config.MinLearningRate + (config.LearningRate - config.MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
