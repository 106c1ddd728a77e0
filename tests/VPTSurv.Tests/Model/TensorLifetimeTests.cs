using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

public class TensorLifetimeTests
{
    [Fact]
    public void RepeatedTrainingStepsDoNotLeakTensors()
    {
        var model = Preset.Smoke.BuildModel();
        int t = Preset.Smoke.Encoder.ImageSize;
        using var tiles = randint(0, 256, [4, 3, t, t], dtype: ScalarType.Byte);
        using var context = randint(0, 256, [4, 3, t, t], dtype: ScalarType.Byte);
        var optimizer = optim.AdamW(model.TrainableParameters(), lr: 1e-3);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.Forward(new SlideInput(tiles, context)).sum().backward();
            optimizer.step();
        }
        Step(); // creates gradients and optimiser state once
        Step();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void FloatAndByteTilesGiveTheSameFeaturesAndTheInputSurvives()
    {
        using var scope = NewDisposeScope();
        var model = Preset.Smoke.BuildModel();
        int t = Preset.Smoke.Encoder.ImageSize;
        var bytes = randint(0, 256, [2, 3, t, t], dtype: ScalarType.Byte);
        var floats = bytes.to(ScalarType.Float32);
        var a = model.FrozenFeatures(bytes);
        var b = model.FrozenFeatures(floats);
        Assert.True(a.allclose(b, rtol: 0, atol: 0));
        Assert.Equal(bytes.sum().item<long>(), (long)floats.sum().item<float>()); // inputs not disposed or modified
    }

    [Fact]
    public void TilesOfTheWrongShapeAreAClearError()
    {
        using var scope = NewDisposeScope();
        var model = Preset.Smoke.BuildModel();
        var ex = Assert.Throws<ArgumentException>(() => model.FrozenFeatures(zeros(2, 3, 16, 16)));
        Assert.Contains("(N, 3, 32, 32)", ex.Message);
    }
}
