using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Data;

/// <summary>
/// What a model reads of one slide (one bag of its tiles): the tiles, and what some prompt sources and decoders need
/// besides them. One record carries them from the bag loader (<c>TileBatch.Input</c>) through the prompted encoder to
/// every prompt source, so a new source or decoder that reads another part needs no new argument anywhere. The record
/// does not own its tensors: whoever created them disposes them.
/// </summary>
/// <param name="Tiles">(N, 3, T, T) RGB 0..255 (uint8 or float32).</param>
/// <param name="Context">(N, 3, T, T) the 2T x 2T region around each tile resized to T (the scale prompt), or null.</param>
/// <param name="Covariates">(C) the patient's covariates (the tabular prompt), or null.</param>
/// <param name="Positions">(N, 2) float32 (x, y) top-left corner of each tile in pixels at the target MPP, or null.</param>
/// <param name="Mpp">Microns per pixel of the tiles, or null when unknown.</param>
public sealed record SlideInput(Tensor Tiles, Tensor? Context = null, Tensor? Covariates = null, Tensor? Positions = null, double? Mpp = null)
{
    /// <summary>Number of tiles N.</summary>
    public long Count => Tiles.shape[0];

    /// <summary>
    /// Tiles <paramref name="start"/> .. <paramref name="start"/> + <paramref name="length"/> − 1 with their context and
    /// positions (views, no copy); the covariates are the slide's and stay whole.
    /// </summary>
    public SlideInput Narrow(long start, long length) => this with
    {
        Tiles = Tiles.narrow(0, start, length),
        Context = Context?.narrow(0, start, length),
        Positions = Positions?.narrow(0, start, length),
    };

    /// <summary>
    /// This input with every tensor on <paramref name="device"/> (the input itself when they all are already); the
    /// moved tensors belong to the caller's dispose scope. Models call it on what they are given, so inputs can come
    /// from the bag loader's CPU tensors whatever device the model is on.
    /// </summary>
    public SlideInput To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Devices.IsOn(Tiles, device) && Devices.IsOn(Context, device) && Devices.IsOn(Covariates, device) && Devices.IsOn(Positions, device)) return this;
        return this with { Tiles = Tiles.to(device), Context = Context?.to(device), Covariates = Covariates?.to(device), Positions = Positions?.to(device) };
    }

    /// <summary>The parts present besides the tiles.</summary>
    public SlideInputParts Parts =>
        (Context is null ? 0 : SlideInputParts.Context) | (Covariates is null ? 0 : SlideInputParts.Covariates)
        | (Positions is null ? 0 : SlideInputParts.Positions);

    /// <summary>Throws naming the parts of <paramref name="needs"/> that are missing, for <paramref name="who"/>.</summary>
    public void Require(SlideInputParts needs, string who)
    {
        var missing = needs & ~Parts;
        if (missing == SlideInputParts.None) return;
        var words = new[] { (SlideInputParts.Context, "context tiles"), (SlideInputParts.Covariates, "covariates"), (SlideInputParts.Positions, "tile positions") }
            .Where(x => missing.HasFlag(x.Item1)).Select(x => x.Item2);
        throw new ArgumentException($"{who} needs the slide input's {string.Join(" and ", words)}, and none were given.");
    }
}

/// <summary>
/// The parts of a <see cref="SlideInput"/> besides the tiles, as prompt sources and decoders declare what they read (the
/// pipelines load only what the model needs: the scale context is rendered only for a model that reads it).
/// </summary>
[Flags]
public enum SlideInputParts
{
    /// <summary>Only the tiles.</summary>
    None = 0,

    /// <summary>The scale context of each tile.</summary>
    Context = 1,

    /// <summary>The patient's covariates.</summary>
    Covariates = 2,

    /// <summary>Each tile's position.</summary>
    Positions = 4,
}
