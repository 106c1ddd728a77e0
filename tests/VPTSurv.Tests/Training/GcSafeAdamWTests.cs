using TorchSharp.Modules;
using VPTSurv.Training;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Training;

/// <summary>
/// The trainers' AdamW is TorchSharp's update with its scalars kept alive through the native calls: it must give
/// TorchSharp's AdamW's weights bit for bit, with and without weight decay, and must keep doing so while another
/// thread forces garbage collections and finalizers as fast as it can (the condition under which TorchSharp's own
/// step read a freed scalar in CI).
/// </summary>
public class GcSafeAdamWTests
{
    private static (Parameter[] Decay, Parameter[] NoDecay) Parameters(int seed)
    {
        var g = new Generator((ulong)seed);
        return ([new Parameter(randn([8, 5], generator: g)), new Parameter(randn([3, 4], generator: g))],
                [new Parameter(randn([5], generator: g))]);
    }

    private static void SetGrads(IEnumerable<Parameter> ps, int step)
    {
        var g = new Generator((ulong)(1000 + step));
        foreach (var p in ps)
        {
            using var _ = no_grad();
            p.grad = randn(p.shape, generator: g);
        }
    }

    [Fact]
    public void Its_weights_equal_torchsharps_adamw_bit_for_bit()
    {
        var (d1, n1) = Parameters(3);
        var (d2, n2) = Parameters(3);
        var ours = new GcSafeAdamW([new AdamW.ParamGroup(d1, lr: 3e-3, weight_decay: 0.05), new AdamW.ParamGroup(n1, lr: 3e-3, weight_decay: 0)], 3e-3, 0.05);
        var theirs = optim.AdamW([new AdamW.ParamGroup(d2, lr: 3e-3, weight_decay: 0.05), new AdamW.ParamGroup(n2, lr: 3e-3, weight_decay: 0)], lr: 3e-3, weight_decay: 0.05);
        for (int step = 0; step < 25; step++)
        {
            if (step == 10) OptimizerFactory.SetLearningRate(ours, 1e-3);
            if (step == 10) OptimizerFactory.SetLearningRate(theirs, 1e-3);
            SetGrads([.. d1, .. n1], step);
            SetGrads([.. d2, .. n2], step);
            ours.step();
            theirs.step();
        }
        foreach (var (a, b) in d1.Concat(n1).Zip(d2.Concat(n2)))
            Assert.True(a.eq(b).all().item<bool>(), $"weights differ by up to {(a - b).abs().max().item<float>()}");
        Assert.False(d1[0].eq(Parameters(3).Decay[0]).all().item<bool>()); // and the weights did move
    }

    [Fact]
    public async Task Steps_stay_correct_while_another_thread_collects_garbage()
    {
        var (d1, n1) = Parameters(5);
        var (d2, n2) = Parameters(5);
        var ours = new GcSafeAdamW([new AdamW.ParamGroup(d1, lr: 1e-2, weight_decay: 0.01), new AdamW.ParamGroup(n1, lr: 1e-2, weight_decay: 0)], 1e-2, 0.01);
        var reference = new GcSafeAdamW([new AdamW.ParamGroup(d2, lr: 1e-2, weight_decay: 0.01), new AdamW.ParamGroup(n2, lr: 1e-2, weight_decay: 0)], 1e-2, 0.01);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        for (int step = 0; step < 400; step++)
        {
            SetGrads([.. d1, .. n1], step);
            ours.step();
        }
        stop.Cancel();
        await collector;
        for (int step = 0; step < 400; step++)
        {
            SetGrads([.. d2, .. n2], step);
            reference.step();
        }
        foreach (var (a, b) in d1.Concat(n1).Zip(d2.Concat(n2)))
            Assert.True(a.eq(b).all().item<bool>());
    }
}
