using VPTSurv.Cli.Configuration;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>The training loss is a config key: training.loss selects the memory-bank Cox loss.</summary>
public class LossSelectionTests
{
    [Fact]
    public void Training_loss_is_selectable_in_a_config_and_defaults_to_the_papers_nll()
    {
        var cox = RunConfig.Resolve("smoke", null, [RunConfig.ParseAssignment("training.loss=\"CoxMemoryBank\""), RunConfig.ParseAssignment("training.coxMemory=32")]);
        Assert.Equal(SurvivalLossKind.CoxMemoryBank, cox.Preset.Training.Loss);
        Assert.Equal(32, cox.Preset.Training.CoxMemory);
        Assert.Equal(SurvivalLossKind.DiscreteTimeNll, RunConfig.Resolve("smoke", null, []).Preset.Training.Loss);
    }
}
