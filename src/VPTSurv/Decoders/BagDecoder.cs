using TorchSharp;
using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Decoders;

/// <summary>
/// One bag for a multiple-instance decoder: the tiles of one WSI, or of all WSIs of one patient.
/// </summary>
/// <param name="Features">Tile features (N, D).</param>
/// <param name="Coordinates">Tile positions (N, 2) as (x, y) float32 of each tile's top-left corner, in pixels at the tiles' resolution (the
/// target MPP: neighbouring tiles are one tile size apart on every slide; what the training engine carries, see
/// <see cref="Training.TilePositions"/>); needed by spatial decoders (PatchGCN, HVTSurv).</param>
/// <param name="SlideIndex">Which of the patient's slides each tile comes from (N), int64; null when the bag is one slide.</param>
public sealed record Bag(Tensor Features, Tensor? Coordinates = null, Tensor? SlideIndex = null)
{
    /// <summary>Number of tiles N.</summary>
    public long Count => Features.shape[0];

    /// <summary>This bag with every tensor on <paramref name="device"/> (the bag itself when they all are already).</summary>
    public Bag To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Devices.IsOn(Features, device) && Devices.IsOn(Coordinates, device) && Devices.IsOn(SlideIndex, device)) return this;
        return new Bag(Features.to(device), Coordinates?.to(device), SlideIndex?.to(device));
    }
}

/// <summary>
/// A bag decoder maps a bag of tile features to K survival logits (read by <see cref="Survival.DiscreteTimeHead"/>).
/// The VPTSurv decoder and every two-stage baseline (ABMIL, TransMIL, PatchGCN, DeepAttnMISL, HVTSurv) derive from it,
/// so trainers and benchmarks treat them alike.
/// </summary>
public abstract class BagDecoder : nn.Module<Bag, Tensor>
{
    /// <summary>Creates the module with its TorchSharp name.</summary>
    protected BagDecoder(string name) : base(name) { }

    /// <summary>Input feature width D.</summary>
    public abstract int InputDim { get; }

    /// <summary>Number of time bins K (the width of the output logits).</summary>
    public abstract int Bins { get; }

    /// <summary>Whether <see cref="Bag.Coordinates"/> is required.</summary>
    public virtual bool NeedsCoordinates => false;

    /// <summary>The device the decoder's weights are on (CPU for a decoder without parameters).</summary>
    public Device Device => parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>
    /// The distance in <see cref="Bag.Coordinates"/> units between neighbouring tiles that the decoder assumes (HVTSurv's
    /// window grid), or null when it takes any scale; a pipeline whose positions have another step rejects the decoder.
    /// </summary>
    public virtual float? CoordinateStep => null;
}
