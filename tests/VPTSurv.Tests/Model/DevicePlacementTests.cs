using TorchSharp;
using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Model;

/// <summary>
/// The device is explicit: a model is built for a device (weights and buffers there) and moves what it is given to it,
/// without torch's process-wide default device. This machine has no GPU, so the device here is libtorch's "meta"
/// device (tensors with shapes and no data). What cannot be checked here: meta has no kernels for most of the model's
/// operators (convolution, batch norm, ReLU in this libtorch), so a forward on another device runs on a GPU only.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class DevicePlacementTests(ITestOutputHelper output)
{
    private static readonly Device Meta = new("meta");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var preset in new[] { "smoke", "cpu", "paper" })
            foreach (var decoder in DecoderRegistry.BuiltInNames)
                data.Add(preset, decoder);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_model_built_for_a_device_holds_all_its_weights_and_buffers_there(string presetName, string decoder)
    {
        // Before, SamViT's `new Config` made TorchSharp's Module.to throw, so the model could not be moved at all.
        var preset = Preset.ByName(presetName) with { EncoderWeights = null };
        using var model = preset.BuildModel(DecoderRegistry.Get(decoder), null, Meta);
        var elsewhere = model.named_parameters().Where(p => p.parameter.device_type != DeviceType.META).Select(p => p.name)
            .Concat(model.named_buffers().Where(b => b.buffer.device_type != DeviceType.META).Select(b => b.name)).ToList();
        output.WriteLine($"{presetName} {decoder}: {model.parameters().Count()} parameters, {model.buffers().Count()} buffers");
        Assert.True(elsewhere.Count == 0, "not on the device: " + string.Join(", ", elsewhere));
        Assert.Equal(DeviceType.META, model.Backbone.Device.type);
        Assert.Equal(DeviceType.META, model.BagDecoder.Device.type);
        Assert.Equal(DeviceType.CPU, zeros(1).device_type); // nothing set the process-wide default device
    }

    [Fact]
    public void Slide_inputs_and_bags_move_to_a_device_and_stay_when_already_there()
    {
        using var scope = NewDisposeScope();
        var input = new SlideInput(zeros(2, 3, 8, 8), Positions: zeros(2, 2));
        Assert.Same(input, input.To(CPU));
        var moved = input.To(Meta);
        Assert.Equal(DeviceType.META, moved.Tiles.device_type);
        Assert.Equal(DeviceType.META, moved.Positions!.device_type);
        var bag = new Bag(zeros(2, 4));
        Assert.Same(bag, bag.To(CPU));
        Assert.Equal(DeviceType.META, bag.To(Meta).Features.device_type);
    }
}
